// Workspace checkpoints for the interactive session: one at the session's start (`/diff`)
// and one before every turn (`/undo`), kept as trees in a shadow git directory outside the
// workspace, so any folder works and the repository's own .git is never touched. Files the
// repository ignores (node_modules, build output) are neither recorded nor restored.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const EXCLUDES = ['.loopsmith/', 'node_modules/', '.git'];

export interface Checkpoints {
  /** Records the workspace now; returns its tree id. */
  take(): Promise<string>;
  /** Unified diff of the workspace now against `tree`. */
  diff(tree: string): Promise<string>;
  /** Puts the workspace back as it was at `tree`: changed files rewritten, new files removed. */
  restore(tree: string): Promise<string[]>;
  dispose(): Promise<void>;
}

export async function openCheckpoints(root: string): Promise<Checkpoints> {
  const gitDir = await mkdtemp(join(tmpdir(), 'loopsmith-ckpt-'));
  const env = {
    ...process.env,
    GIT_DIR: gitDir,
    GIT_WORK_TREE: root,
    GIT_INDEX_FILE: join(gitDir, 'index'),
    GIT_CONFIG_NOSYSTEM: '1',
  };
  const git = async (args: string[]) =>
    (await run('git', args, { env, cwd: root, maxBuffer: 256 * 1024 * 1024 })).stdout;
  // One process: with GIT_DIR and GIT_WORK_TREE set, init makes a non-bare repository there.
  await git(['init', '-q']);
  await mkdir(join(gitDir, 'info'), { recursive: true });
  await writeFile(join(gitDir, 'info', 'exclude'), `${EXCLUDES.join('\n')}\n`);
  const take = async () => {
    await git(['add', '-A', '.']);
    return (await git(['write-tree'])).trim();
  };
  return {
    take,
    async diff(tree) {
      const now = await take();
      return now === tree
        ? ''
        : git(['diff', '--binary', '--no-color', '--no-ext-diff', tree, now]);
    },
    async restore(tree) {
      const now = await take();
      if (now === tree) return [];
      const changed = (await git(['diff', '--name-status', '--no-renames', tree, now]))
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t') as [string, string]);
      for (const [status, path] of changed) if (status === 'A') await unlink(join(root, path));
      await git(['read-tree', tree]);
      await git(['checkout-index', '-a', '-f']);
      return changed.map(([, path]) => path);
    },
    dispose: () => rm(gitDir, { recursive: true, force: true }),
  };
}

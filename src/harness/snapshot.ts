// The workspace's starting state, kept in a shadow git directory outside the workspace so
// any folder (git repo or not) can be diffed at the end without touching its own .git.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Snapshot {
  /** Tree id of the workspace as it was when the snapshot was taken. */
  tree: string;
  /** Unified diff (binary-safe) of the workspace now against the snapshot. */
  diff(): Promise<string>;
  dispose(): Promise<void>;
}

/** Paths never part of the diff: the harness's own spill files and dependency folders. */
const EXCLUDES = ['.loopsmith/', 'node_modules/', '.git'];

/** Records the current content of `root` (honouring its .gitignore files). */
export async function snapshotWorkspace(root: string): Promise<Snapshot> {
  const gitDir = await mkdtemp(join(tmpdir(), 'loopsmith-snap-'));
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
  // No --force: ignored files (per the workspace's .gitignore files) stay out of the diff.
  const capture = async () => {
    await git(['add', '-A', '.']);
    return (await git(['write-tree'])).trim();
  };
  const tree = await capture();
  return {
    tree,
    async diff() {
      const now = await capture();
      if (now === tree) return '';
      return git(['diff', '--binary', '--no-color', '--no-ext-diff', tree, now]);
    },
    dispose: () => rm(gitDir, { recursive: true, force: true }),
  };
}

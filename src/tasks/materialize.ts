// Rebuilds a stored task's repository (generated repos from generator version + seed, local
// repos from the stored snapshot), derives its patches, and writes the buggy repo to a
// directory where its tests run offline with one command and no install step.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import { DirHandle, safeWriteFilesSync, UnsafePathError } from '../sandbox/safe-fs.js';
import { UserError } from './errors.js';
import { repoDiff } from './run/diff.js';
import type { TaskStore } from './store.js';
import { generateRepo, SYNTH_VERSION } from './synth/index.js';
import type { RepoSnapshot, Task } from './types.js';
import { buggyFiles } from './validate.js';

/** The clean repository a stored task was made from. */
export function rebuildRepo(store: TaskStore, repoId: string): RepoSnapshot {
  const info = store.repoInfo(repoId);
  if (info.files) {
    return {
      repoId,
      language: info.language,
      files: info.files,
      testFiles: info.testFiles,
      testCmd: info.testCmd,
    };
  }
  const m = /^synth:(\d+):(-?\d+)$/.exec(repoId);
  if (!m) throw new Error(`cannot rebuild ${repoId}: no stored files and not a generated repo`);
  if (Number(m[1]) !== SYNTH_VERSION) {
    // Version 3 added hidden fresh-input tests: an older store's tasks would be graded on
    // their visible tests only, and its F2P/P2P lists do not match the rebuilt repository.
    throw new UserError(
      `${store.path}: task repo ${repoId} was made by generator version ${m[1]}, but this build has version ${SYNTH_VERSION}; generate a new store (\`loopsmith tasks gen --db NEW.db\`)`,
    );
  }
  return generateRepo(Number(m[2]));
}

/** loopsmith's own tsx package directory (TypeScript tasks' tests load it). */
function tsxDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return dirname(require.resolve('tsx/package.json'));
  } catch {
    throw new UserError(
      'TypeScript tasks need the tsx package installed beside loopsmith (npm i tsx)',
    );
  }
}

/** A task with its patches and buggy files filled in. */
export interface TaskFiles {
  task: Task;
  repo: RepoSnapshot;
  /** Buggy repo files (all of them). */
  buggy: Record<string, string>;
  /** Test files not visible to the agent. */
  hiddenTests: string[];
  /**
   * The local repository the task was made from, when its node_modules is still there on
   * this machine: its installed dependencies (runner included) for a copy's tests.
   */
  deps?: string;
}

/** The source directory of a local repository's tasks, when it still has its node_modules. */
export function depsOf(source: string): string | undefined {
  const m = /^local:(.+)$/.exec(source);
  if (!m || !isAbsolute(m[1]) || !existsSync(join(m[1], 'node_modules'))) return undefined;
  return m[1];
}

/** Loads a task and rebuilds its clean and buggy file sets and patches. */
export function loadTaskFiles(store: TaskStore, id: string): TaskFiles {
  const task = store.get(id);
  if (!task)
    throw new UserError(
      `no task with id or instance_id ${id} in ${store.path} (\`loopsmith tasks export --format swebench\` lists instance_ids)`,
    );
  const repo = rebuildRepo(store, task.repoId);
  const buggy = { ...repo.files, ...buggyFiles(repo.files, task.bugs) };
  task.bugPatch = repoDiff(repo.files, buggy);
  task.goldPatch = repoDiff(buggy, repo.files);
  // Portable: what a materialized copy runs (materialize links tsx into it when needed).
  task.testCmd = repo.testCmd;
  const visible = new Set(task.visibleTests);
  const deps = depsOf(store.repoInfo(task.repoId).source);
  return {
    task,
    repo,
    buggy,
    hiddenTests: repo.testFiles.filter((f) => !visible.has(f)),
    ...(deps ? { deps } : {}),
  };
}

export interface MaterializeOptions {
  /** Leave the hidden test files out (an agent's workspace; grading restores them). @default false */
  hideTests?: boolean;
  /** Make the directory a git repository with the buggy state committed. @default false */
  git?: boolean;
}

/**
 * Writes the buggy repo of a task into `dir` (which must be empty or absent). `dir` itself is
 * the caller's choice; everything below it is reached through one directory handle without
 * following links (a task's paths, links planted in the directory while this runs, by an
 * agent or by a git hook, never redirect a write; src/sandbox/safe-fs.ts).
 */
export function materialize(
  store: TaskStore,
  id: string,
  dir: string,
  options: MaterializeOptions = {},
): TaskFiles {
  if (existsSync(dir) && readdirSync(dir).length > 0)
    throw new UserError(`${dir} is not empty: materialize writes into a new or empty directory`);
  const tf = loadTaskFiles(store, id);
  const files = { ...tf.buggy };
  if (options.hideTests) for (const f of tf.hiddenTests) delete files[f];
  mkdirSync(dir, { recursive: true });
  const root = DirHandle.openRoot(dir);
  try {
    // Checked again through the handle: the directory written is the one found empty.
    if (readdirSync(root.self).length > 0)
      throw new UserError(`${dir} is not empty: materialize writes into a new or empty directory`);
    safeWriteFilesSync(root.self, files);
    if (options.git) {
      // Run in the handle's directory (the parent's /proc entry: the child resolves it
      // before exec), so a swap of `dir` cannot point git elsewhere.
      const cwd = `/proc/${process.pid}/fd/${root.fd}`;
      const git = (...args: string[]) => execFileSync('git', args, { cwd, stdio: 'ignore' });
      git('init', '-q');
      git('add', '-A');
      git(
        '-c',
        'user.name=loopsmith',
        '-c',
        'user.email=loopsmith@localhost',
        'commit',
        '-q',
        '-m',
        `task ${tf.task.id}`,
      );
    }
    // A real repository's runner and dependencies: linked, as an installed checkout has them.
    const linkDeps = tf.deps !== undefined && !root.exists('node_modules');
    if (linkDeps) symlinkSync(join(tf.deps as string, 'node_modules'), root.path('node_modules'));
    // `node --import tsx` resolves tsx from the working directory: link loopsmith's own copy
    // so the portable command runs offline here (kept out of git: it is this machine's path).
    const linkTsx = !tf.deps && /--import tsx\b/.test(tf.task.testCmd);
    if (linkTsx) {
      const nm = subdirSync(root, 'node_modules', dir);
      try {
        if (!nm.exists('tsx')) symlinkSync(tsxDir(), nm.path('tsx'));
      } finally {
        nm.close();
      }
    }
    if (linkDeps || linkTsx) {
      if (options.git) {
        const info = subdirSync(subdirSync(root, '.git', dir, false), 'info', dir, true);
        try {
          const had = info.readFile('exclude')?.toString('utf8') ?? '';
          // A new file renamed in: a planted hard link is replaced, never appended through.
          info.writeFileSync(
            'exclude',
            // Without a slash for a linked node_modules (git sees a link, not a folder).
            `${had}${had && !had.endsWith('\n') ? '\n' : ''}node_modules${linkDeps ? '' : '/'}\n`,
          );
        } finally {
          info.close();
        }
      }
    }
  } catch (e) {
    if (e instanceof UnsafePathError) throw new UserError(`${dir}: ${e.message}`);
    throw e;
  } finally {
    root.close();
  }
  return tf;
}

// Opens (creating) `name` below `parent` without following a link; closes `parent` when
// `closeParent` (chains of subdirectories).
function subdirSync(parent: DirHandle, name: string, dir: string, closeParent = false): DirHandle {
  try {
    return parent.subdirSync(name);
  } catch (e) {
    if (e instanceof UnsafePathError) throw new UserError(`${dir}: ${e.message}`);
    throw e;
  } finally {
    if (closeParent) parent.close();
  }
}

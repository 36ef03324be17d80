// The warm mocha worker's process, started before its schemata exist: a working copy of the
// repository's plain files and a forked ./mocha-worker.ts in it. Booting node, requiring
// mocha and reading its options (yargs) is most of a warm worker's start (~300-400 ms);
// none of it reads the repository's modules (they load at the first run, after
// MochaWarmSuite has written the schemata over the copy), so `tasks gen` starts it before
// its own heavy imports. Light on purpose: no parser here (see ../start.ts).
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RepoSnapshot } from '../../types.js';
import { writeFiles } from '../spawn.js';

const WORKER = fileURLToPath(new URL('./mocha-worker.js', import.meta.url));

/** Whether the warm path applies: plain CommonJS JavaScript (modules can be reloaded). */
export function warmEligible(repo: RepoSnapshot): boolean {
  if (repo.language !== 'js') return false;
  const pkg = JSON.parse(repo.files['package.json'] ?? '{}') as { type?: string };
  if (pkg.type === 'module') return false;
  // .mjs files (benchmarks, configs) are never loaded by the CommonJS suite: only .js/.cjs.
  return Object.entries(repo.files).every(
    ([p, c]) => !/\.c?js$/.test(p) || !/^\s*(import\s[^(]|export\s)/m.test(c),
  );
}

/** A forked worker and when it is ready (it sent its first message, or died). */
export interface MochaProcess {
  child: ChildProcess;
  ready: Promise<void>;
}

/** Forks a worker in dir; `ready` is listened for at once (the message may come early). */
export function forkMochaWorker(dir: string, args: string[]): MochaProcess {
  const child = fork(WORKER, [], {
    cwd: dir,
    env: {
      ...process.env,
      LOOPSMITH_MOCHA_ARGS: JSON.stringify(args),
      NODE_TEST_CONTEXT: undefined,
    },
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  const ready = new Promise<void>((resolve) => {
    child.once('message', () => resolve());
    // A worker that dies before it is ready: its request times out, a new one starts.
    child.once('exit', () => resolve());
  });
  return { child, ready };
}

/** A working copy with a worker booting in it, waiting for its schemata (MochaWarmSuite). */
export class MochaPrefork {
  readonly dir: string;
  readonly proc: MochaProcess;
  /** Taken by a MochaWarmSuite (which then owns the copy and the process). */
  taken = false;

  constructor(
    repo: RepoSnapshot,
    nodeModulesFrom: string,
    readonly args: string[],
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'loopsmith-warm-'));
    writeFiles(this.dir, repo.files);
    const nm = join(nodeModulesFrom, 'node_modules');
    if (existsSync(nm)) symlinkSync(nm, join(this.dir, 'node_modules'));
    this.proc = forkMochaWorker(this.dir, args);
  }

  /** Stops the worker and removes the copy, unless a suite took them. */
  dispose(): void {
    if (this.taken) return;
    this.proc.child.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

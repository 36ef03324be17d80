// The warm path for jest, vitest, tape and uvu repositories: a SuiteRunner over a long-lived
// runner process (./jest-worker.ts, ./vitest-worker.ts, ./tape-worker.ts, ./uvu-worker.ts).
// Candidates are written into the working copy and read back by the runner on the next run,
// as a spawned `jest` / `vitest run` / `tape` / `uvu` would (vitest is told which files
// changed: its module graph is invalidated for them; tape and uvu load the repository's
// modules anew each run);
// what is saved is node's and the runner's start-up per run (the bulk of a small suite's). A candidate's first run takes only
// the test files that import its file (./runners/select.ts); a kept task's confirming run
// is the whole suite.
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RepoSnapshot, TextEdit } from '../../types.js';
import type { Reference, SuiteResult, SuiteRunner } from '../../validate.js';
import { parseJest } from '../parse/json-reporters.js';
import { type Parsed, parseNodeEvents } from '../parse/node-events.js';
import { RUNNER_TABLE } from '../runners/index.js';
import { parseReport } from '../runners/report.js';
import { dropFlags, words } from '../runners/script.js';
import { coveringIds, fileOf, narrowCommand, relatedTests, Serial } from '../runners/select.js';
import { parseAvaTap, parseNodeTap } from '../runners/tap-parse.js';
import { tapRuns, writeFiles } from '../spawn.js';
import type { TapFileRun } from './tap-worker.js';

const WORKERS = {
  jest: fileURLToPath(new URL('./jest-worker.js', import.meta.url)),
  vitest: fileURLToPath(new URL('./vitest-worker.js', import.meta.url)),
  tape: fileURLToPath(new URL('./tape-worker.js', import.meta.url)),
  uvu: fileURLToPath(new URL('./uvu-worker.js', import.meta.url)),
  'node:test': fileURLToPath(new URL('./node-test-worker.js', import.meta.url)),
  ava: fileURLToPath(new URL('./ava-worker.js', import.meta.url)),
  tap: fileURLToPath(new URL('./tap-worker.js', import.meta.url)),
};
/** node's flags per worker: node:test's harness is reachable only through node's internals. */
const EXEC_ARGV: Partial<Record<WarmKind, string[]>> = { 'node:test': ['--expose-internals'] };
export type WarmKind = keyof typeof WORKERS;
/** What each worker replies with, read into results. */
const PARSE: Record<WarmKind, (report: unknown, root: string, testFiles: string[]) => Parsed> = {
  jest: (r, root) => parseJest(r as Parameters<typeof parseJest>[0], root),
  vitest: (r, root) => parseJest(r as Parameters<typeof parseJest>[0], root),
  tape: (r, root) => parseReport(String(r), root),
  uvu: (r, root) => parseReport(String(r), root),
  'node:test': (r, root) => parseNodeEvents(String(r), root),
  ava: (r, _root, testFiles) => parseAvaTap(String(r), testFiles),
  tap: (r, root) => parseNodeTap(tapRuns(r as TapFileRun[]), root),
};

export interface WarmCliOptions {
  /** Which runner the worker drives. */
  kind: WarmKind;
  /** The repository whose node_modules the copy links to. */
  nodeModulesFrom: string;
  /** The script's runner segment (`jest --verbose`, `vitest run`, `tape test/*.js`): its arguments are kept. */
  segment: string | null;
  /** A run taking longer kills and restarts the worker (a timeout). @default 60_000 */
  timeoutMs?: number;
  /** Select test files by the import graph for a candidate's first run. @default true */
  select?: boolean;
}

/** A worker's reply to a run; `rest` are test files it had no time for (it died first). */
type Reply = {
  report?: unknown;
  error?: string;
  crash?: string | null;
  exiting?: boolean;
  rest?: string[];
};

export class WarmCliSuite implements SuiteRunner {
  readonly confirmAll = true;
  readonly dir: string;
  private child: ChildProcess | null = null;
  private ready: Promise<void> = Promise.resolve();
  private readonly serial = new Serial();
  private readonly args: string[];
  private related: ((file: string) => Set<string> | null) | null = null;
  private refIds: string[] = [];
  private mutantTimeoutMs: number;
  /** The whole suite's test files when the worker cannot find them itself (node:test). */
  private allFiles: string[] | null = null;
  /** Where a dying worker writes what its run did (LOOPSMITH_WARM_LAST). */
  private readonly last: string;
  /** Files put back after the last run (vitest must transform them again too). */
  private restored: string[] = [];

  constructor(
    readonly repo: RepoSnapshot,
    private readonly options: WarmCliOptions,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `loopsmith-${options.kind}-`));
    this.last = `${this.dir}.last.json`;
    writeFiles(this.dir, repo.files);
    const nm = join(options.nodeModulesFrom, 'node_modules');
    if (existsSync(nm)) symlinkSync(nm, join(this.dir, 'node_modules'));
    const ws = words(options.segment ?? options.kind);
    const bin = new RegExp(`(^|/)${options.kind}(\\.m?js)?$`);
    const at = ws.findIndex((w) => bin.test(w.replace(/["']/g, '')));
    const rest = ws.slice(at + 1);
    // vitest's mode word: the worker runs once per request anyway.
    if (options.kind === 'vitest' && /^(run|watch|dev)$/.test(rest[0] ?? '')) rest.shift();
    const unquote = (w: string) => w.replace(/^(["'])(.*)\1$/, '$2');
    // tape and uvu print TAP or text whatever their flags: every argument is kept.
    if (['tape', 'uvu', 'node:test', 'tap'].includes(options.kind)) this.args = rest.map(unquote);
    else
      this.args = dropFlags(
        rest,
        ['--reporters', '--reporter', '--outputFile'],
        [
          '--json',
          '--watch',
          '-w',
          '--watchAll',
          '--coverage',
          '--verbose',
          '--ci',
          '-i',
          '--runInBand',
          '--ui',
        ],
      ).map(unquote);
    this.mutantTimeoutMs = options.timeoutMs ?? 60_000;
    this.start();
  }

  private start(): void {
    const child = fork(WORKERS[this.options.kind], [], {
      cwd: this.dir,
      // Not our own node:test flags (under `node --test`, a name pattern would skip the repo's tests).
      execArgv: [
        ...process.execArgv.filter((a) => !a.startsWith('--test')),
        ...(EXEC_ARGV[this.options.kind] ?? []),
      ],
      env: {
        ...process.env,
        NODE_TEST_CONTEXT: undefined,
        CI: '1',
        FORCE_COLOR: '0',
        LOOPSMITH_WARM_LAST: this.last,
      },
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    });
    this.child = child;
    // A worker that ended itself (tape and uvu exit after an uncaught exception, as their
    // process would) is replaced before the next run.
    child.once('exit', () => {
      if (this.child === child) this.child = null;
    });
    // A send racing the worker's own exit fails with EPIPE: that run times out instead.
    child.on('error', () => undefined);
    this.ready = new Promise((resolve) => {
      child.once('message', () => resolve());
      child.once('exit', () => resolve());
    });
  }

  /** The worker, started again if it ended itself (twice at most), once it is ready. */
  private async live(): Promise<ChildProcess | null> {
    for (let i = 0; i < 2; i++) {
      if (this.child === null) this.start();
      await this.ready;
      if (this.child !== null && this.child.exitCode === null) return this.child;
      this.child = null;
    }
    return null;
  }

  private request(
    args: string[],
    files: string[] | null,
    changed: string[],
    timeoutMs: number,
  ): Promise<Reply | null> {
    return this.live().then(
      (child) =>
        new Promise((resolve) => {
          if (child === null) {
            resolve({ error: 'the runner worker exits at start' });
            return;
          }
          rmSync(this.last, { force: true });
          const timer = setTimeout(() => {
            child.removeAllListeners('message');
            child.off('exit', died);
            child.kill('SIGKILL');
            this.start();
            resolve(null);
          }, timeoutMs);
          // A worker killed by an uncaught error mid-run (as its process would be) may have
          // left what it ran in `last` (the tap worker does); otherwise the run reports nothing.
          const died = () => {
            clearTimeout(timer);
            child.removeAllListeners('message');
            let res: Reply = { error: 'the runner worker exited during the run' };
            try {
              res = JSON.parse(readFileSync(this.last, 'utf8')) as Reply;
            } catch {
              // no last words
            }
            resolve(res);
          };
          child.once('exit', died);
          // Only a reply ends the run: a message the repository's code sent (tap's roots tell
          // a parent their timeouts) is not one.
          const onReply = (res: Reply) => {
            if (typeof res !== 'object' || res === null || !('report' in res || 'error' in res))
              return;
            child.off('message', onReply);
            clearTimeout(timer);
            child.off('exit', died);
            // The worker ends itself after this reply: the next run starts a new one.
            if (res.exiting && this.child === child) this.child = null;
            resolve(res);
          };
          child.on('message', onReply);
          child.send({ args, files, changed });
        }),
    );
  }

  /** Learns the reference's ids (test selection) and its duration (mutant timeouts). */
  learn(ref: Reference, refMs: number): void {
    this.refIds = Object.keys(ref.tests);
    if (this.options.select !== false)
      this.related = relatedTests(this.repo.files, this.repo.testFiles);
    // ava ends a test that hangs by its own timeout (a failure, not a timeout): as long as
    // the spawned run's, so that a hanging candidate gets ava's verdict there too.
    this.mutantTimeoutMs =
      this.options.kind === 'ava' ? (this.options.timeoutMs ?? 60_000) : Math.max(5000, 4 * refMs);
  }

  /**
   * node:test and tap: the test files a whole-suite run runs (the spawned reference's files,
   * as the direct path takes them); their workers do not search for them as the runners do.
   * The other workers find them from the script's arguments.
   */
  useFiles(files: string[]): void {
    if (this.options.kind === 'node:test' || this.options.kind === 'tap') this.allFiles = files;
  }

  covering(file: string, _edits: TextEdit[]): Set<string> | null {
    return coveringIds(this.related, this.refIds, file);
  }

  run(overrides: Record<string, string>, only: Set<string> | null): Promise<SuiteResult> {
    return this.serial.run(() => this.runNow(overrides, only));
  }

  private async runNow(
    overrides: Record<string, string>,
    only: Set<string> | null,
  ): Promise<SuiteResult> {
    const t0 = performance.now();
    writeFiles(this.dir, overrides);
    const files = only ? [...new Set([...only].map(fileOf))].sort() : this.allFiles;
    const reference = Object.keys(overrides).length === 0 && only === null;
    try {
      const timeoutMs = reference ? (this.options.timeoutMs ?? 60_000) : this.mutantTimeoutMs;
      const changed = [...Object.keys(overrides), ...this.restored];
      let res = await this.request(
        this.options.kind === 'ava' ? this.avaArgs(files) : this.args,
        files,
        changed,
        timeoutMs,
      );
      // tap: the files after the one that died run on a new worker, as their own processes
      // would have run anyway.
      while (res && Array.isArray(res.report) && res.rest && res.rest.length > 0) {
        const more = await this.request(this.args, res.rest, changed, timeoutMs);
        if (!more || !Array.isArray(more.report)) {
          res = more;
          break;
        }
        res = {
          report: [...res.report, ...more.report],
          crash: res.crash ?? more.crash,
          rest: more.rest,
        };
      }
      const durationMs = performance.now() - t0;
      if (res === null)
        return {
          tests: {},
          failures: {},
          exitCode: null,
          timedOut: true,
          durationMs,
          invalid: true,
        };
      const parsed = res.report
        ? // ava leaves the file out of its titles when it runs one: name the files it ran.
          PARSE[this.options.kind](res.report, this.dir, files ?? this.repo.testFiles)
        : { tests: {}, failures: {} };
      const n = Object.keys(parsed.tests).length;
      const failed = Object.values(parsed.tests).includes('fail');
      const crashed = typeof res.crash === 'string';
      return {
        ...parsed,
        exitCode: failed || crashed ? 1 : 0,
        timedOut: false,
        durationMs,
        // As for a spawned run: a run that crashed with no failing test is unusable.
        invalid: n === 0 || (crashed && !failed),
      };
    } finally {
      this.restored = Object.keys(overrides);
      for (const p of Object.keys(overrides)) {
        if (p in this.repo.files) writeFileSync(join(this.dir, p), this.repo.files[p]);
        else rmSync(join(this.dir, p), { force: true });
      }
    }
  }

  /**
   * ava's argument words for a run: the spawned invocation's (`--tap` added), narrowed to
   * `files` as the spawned path narrows it, so both runs select the same way.
   */
  private avaArgs(files: string[] | null): string[] {
    const cmd = RUNNER_TABLE.ava.invocation(this.options.segment, '').cmd;
    const ws = words((files && narrowCommand('ava', cmd, files, this.repo.files)) ?? cmd);
    const at = ws.findIndex((w) => /(^|\/)ava(\.m?js)?$/.test(w.replace(/["']/g, '')));
    return ws.slice(at + 1).map((w) => w.replace(/^(["'])(.*)\1$/, '$2'));
  }

  /** Stops the worker and removes the copy. */
  dispose(): void {
    this.child?.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
    rmSync(this.last, { force: true });
  }
}

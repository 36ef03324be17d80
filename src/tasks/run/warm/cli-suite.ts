// The warm path for jest and vitest repositories: a SuiteRunner over a long-lived runner
// process (./jest-worker.ts, ./vitest-worker.ts). Candidates are written into the working
// copy and read back by the runner on the next run, as a spawned `jest` / `vitest run`
// would (vitest is told which files changed: its module graph is invalidated for them);
// what is saved is node's and the runner's start-up per run (the bulk of a small suite's). A candidate's first run takes only
// the test files that import its file (./runners/select.ts); a kept task's confirming run
// is the whole suite.
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RepoSnapshot, TextEdit } from '../../types.js';
import type { Reference, SuiteResult, SuiteRunner } from '../../validate.js';
import { parseJest } from '../parse/json-reporters.js';
import { dropFlags, words } from '../runners/script.js';
import { relatedTests } from '../runners/select.js';
import { writeFiles } from '../spawn.js';

const WORKERS = {
  jest: fileURLToPath(new URL('./jest-worker.js', import.meta.url)),
  vitest: fileURLToPath(new URL('./vitest-worker.js', import.meta.url)),
};
const fileOf = (id: string) => id.slice(0, id.indexOf(' > '));

export interface WarmCliOptions {
  /** Which runner the worker drives. */
  kind: 'jest' | 'vitest';
  /** The repository whose node_modules the copy links to. */
  nodeModulesFrom: string;
  /** The script's runner segment (`jest --verbose`, `vitest run`): its arguments are kept. */
  segment: string | null;
  /** A run taking longer kills and restarts the worker (a timeout). @default 60_000 */
  timeoutMs?: number;
  /** Select test files by the import graph for a candidate's first run. @default true */
  select?: boolean;
}

export class WarmCliSuite implements SuiteRunner {
  readonly confirmAll = true;
  readonly dir: string;
  private child: ChildProcess | null = null;
  private ready: Promise<void> = Promise.resolve();
  private busy: Promise<unknown> = Promise.resolve();
  private readonly args: string[];
  private related: ((file: string) => Set<string> | null) | null = null;
  private refIds: string[] = [];
  private mutantTimeoutMs: number;
  /** Files put back after the last run (vitest must transform them again too). */
  private restored: string[] = [];

  constructor(
    readonly repo: RepoSnapshot,
    private readonly options: WarmCliOptions,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `loopsmith-${options.kind}-`));
    writeFiles(this.dir, repo.files);
    const nm = join(options.nodeModulesFrom, 'node_modules');
    if (existsSync(nm)) symlinkSync(nm, join(this.dir, 'node_modules'));
    const ws = words(options.segment ?? options.kind);
    const bin = new RegExp(`(^|/)${options.kind}(\\.m?js)?$`);
    const at = ws.findIndex((w) => bin.test(w.replace(/["']/g, '')));
    const rest = ws.slice(at + 1);
    // vitest's mode word: the worker runs once per request anyway.
    if (options.kind === 'vitest' && /^(run|watch|dev)$/.test(rest[0] ?? '')) rest.shift();
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
    ).map((w) => w.replace(/^(["'])(.*)\1$/, '$2'));
    this.mutantTimeoutMs = options.timeoutMs ?? 60_000;
    this.start();
  }

  private start(): void {
    const child = fork(WORKERS[this.options.kind], [], {
      cwd: this.dir,
      env: { ...process.env, NODE_TEST_CONTEXT: undefined, CI: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    });
    this.child = child;
    this.ready = new Promise((resolve) => {
      child.once('message', () => resolve());
      child.once('exit', () => resolve());
    });
  }

  private request(
    files: string[] | null,
    changed: string[],
    timeoutMs: number,
  ): Promise<{ report?: unknown; error?: string } | null> {
    return this.ready.then(
      () =>
        new Promise((resolve) => {
          const child = this.child as ChildProcess;
          const timer = setTimeout(() => {
            child.removeAllListeners('message');
            child.kill('SIGKILL');
            this.start();
            resolve(null);
          }, timeoutMs);
          child.once('message', (res: { report?: unknown; error?: string }) => {
            clearTimeout(timer);
            resolve(res);
          });
          child.send({ args: this.args, files, changed });
        }),
    );
  }

  /** Learns the reference's ids (test selection) and its duration (mutant timeouts). */
  learn(ref: Reference, refMs: number): void {
    this.refIds = Object.keys(ref.tests);
    if (this.options.select !== false)
      this.related = relatedTests(this.repo.files, this.repo.testFiles);
    this.mutantTimeoutMs = Math.max(5000, 4 * refMs);
  }

  covering(file: string, _edits: TextEdit[]): Set<string> | null {
    const tests = this.related?.(file) ?? null;
    if (tests === null) return null;
    return new Set(this.refIds.filter((id) => tests.has(fileOf(id))));
  }

  run(overrides: Record<string, string>, only: Set<string> | null): Promise<SuiteResult> {
    const next = this.busy.then(() => this.runNow(overrides, only));
    this.busy = next.catch(() => undefined);
    return next;
  }

  private async runNow(
    overrides: Record<string, string>,
    only: Set<string> | null,
  ): Promise<SuiteResult> {
    const t0 = performance.now();
    writeFiles(this.dir, overrides);
    const files = only ? [...new Set([...only].map(fileOf))].sort() : null;
    const reference = Object.keys(overrides).length === 0 && only === null;
    try {
      const res = await this.request(
        files,
        [...Object.keys(overrides), ...this.restored],
        reference ? (this.options.timeoutMs ?? 60_000) : this.mutantTimeoutMs,
      );
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
        ? parseJest(res.report as Parameters<typeof parseJest>[0], this.dir)
        : { tests: {}, failures: {} };
      const n = Object.keys(parsed.tests).length;
      const failed = Object.values(parsed.tests).includes('fail');
      return { ...parsed, exitCode: failed ? 1 : 0, timedOut: false, durationMs, invalid: n === 0 };
    } finally {
      this.restored = Object.keys(overrides);
      for (const p of Object.keys(overrides)) {
        if (p in this.repo.files) writeFileSync(join(this.dir, p), this.repo.files[p]);
        else rmSync(join(this.dir, p), { force: true });
      }
    }
  }

  /** Stops the worker and removes the copy. */
  dispose(): void {
    this.child?.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

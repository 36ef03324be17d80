// The warm path for jest repositories: a SuiteRunner over a long-lived jest process
// (./jest-worker.ts). Candidates are written into the working copy and read back by jest
// on the next run, exactly as a spawned `jest` would; what is saved is node's and jest's
// start-up per run (the bulk of a small suite's run). A candidate's first run takes only
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

const WORKER = fileURLToPath(new URL('./jest-worker.js', import.meta.url));
const fileOf = (id: string) => id.slice(0, id.indexOf(' > '));

export interface JestWarmOptions {
  /** The repository whose node_modules the copy links to. */
  nodeModulesFrom: string;
  /** The script's jest segment (`jest --verbose`): its arguments are kept. */
  segment: string | null;
  /** A run taking longer kills and restarts the worker (a timeout). @default 60_000 */
  timeoutMs?: number;
  /** Select test files by the import graph for a candidate's first run. @default true */
  select?: boolean;
}

export class JestWarmSuite implements SuiteRunner {
  readonly confirmAll = true;
  readonly dir: string;
  private child: ChildProcess | null = null;
  private ready: Promise<void> = Promise.resolve();
  private busy: Promise<unknown> = Promise.resolve();
  private readonly args: string[];
  private related: ((file: string) => Set<string> | null) | null = null;
  private refIds: string[] = [];
  private mutantTimeoutMs: number;

  constructor(
    readonly repo: RepoSnapshot,
    private readonly options: JestWarmOptions,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'loopsmith-jest-'));
    writeFiles(this.dir, repo.files);
    const nm = join(options.nodeModulesFrom, 'node_modules');
    if (existsSync(nm)) symlinkSync(nm, join(this.dir, 'node_modules'));
    const ws = words(options.segment ?? 'jest');
    const at = ws.findIndex((w) => /(^|\/)jest(\.js)?$/.test(w.replace(/["']/g, '')));
    this.args = dropFlags(
      ws.slice(at + 1),
      ['--reporters', '--outputFile'],
      ['--json', '--watch', '--watchAll', '--coverage', '--verbose', '--ci', '-i', '--runInBand'],
    ).map((w) => w.replace(/^(["'])(.*)\1$/, '$2'));
    this.mutantTimeoutMs = options.timeoutMs ?? 60_000;
    this.start();
  }

  private start(): void {
    const child = fork(WORKER, [], {
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
          child.send({ args: this.args, files });
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

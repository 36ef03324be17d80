// The fast path for mocha repositories: a SuiteRunner over a warm mocha worker process
// (./mocha-worker.ts) that loads mutant schemata (./schemata.ts) once. A candidate's first
// run executes only the tests that cover its function (per-test coverage of the reference
// run) with the mutant switched on in the already-loaded modules; its confirming run is the
// full suite, the same way. Mutants in code that runs while modules load (static ones), and
// anything that is not a known schema mutant (combined bugs, candidates outside functions),
// run after a fresh reload with the mutant active from the start: what a new `mocha`
// process reports; the modules are reloaded clean after them.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BugCandidate, RepoSnapshot, TextEdit } from '../../types.js';
import { buggyFiles, type RunOptions, type SuiteResult, type SuiteRunner } from '../../validate.js';
import { Serial } from '../runners/select.js';
import { writeFiles } from '../spawn.js';
import { forkMochaWorker, type MochaPrefork } from './mocha-prefork.js';
import type { WorkerResult } from './mocha-worker.js';
import { buildSchema, type SchemaMutant } from './schemata.js';

export { warmEligible } from './mocha-prefork.js';

export interface MochaWarmOptions {
  /** The repository whose node_modules the copy links to. */
  nodeModulesFrom: string;
  /** Arguments the repo's script gives mocha (reporter flags are ignored in-process). */
  args: string[];
  /** Candidates to compile in as schemata. */
  candidates: BugCandidate[];
  /** Kill and restart the worker when a run takes longer. @default 10_000 */
  timeoutMs?: number;
  /** Select covering tests for a candidate's first run (off: every test runs). @default true */
  coverage?: boolean;
  /**
   * A copy with its worker already booting (./mocha-prefork.ts, same `args`): the suite
   * writes its schemata over the copy and takes both. @default a new copy and worker
   */
  prefork?: MochaPrefork;
}

const keyOf = (file: string, edits: TextEdit[]) => `${file}\0${JSON.stringify(edits)}`;

export class MochaWarmSuite implements SuiteRunner {
  /** Tests of all files share one process: confirmations run the whole suite. */
  readonly sharedState = true;
  /** Runs cost milliseconds: a candidate's first run stops at its first failing test. */
  readonly bails = true;
  readonly dir: string;
  private child: ChildProcess | null = null;
  private ready: Promise<void> = Promise.resolve();
  private readonly serial = new Serial();
  private readonly byContent = new Map<string, number>();
  private readonly byEdits = new Map<string, number>();
  private readonly probeOf = new Map<number, number>();
  private readonly schemaFiles: Record<string, string> = {};
  private probeTests = new Map<number, Set<string>>();
  private staticProbes = new Set<number>();
  private titles: Record<string, string> = {};
  private dirty = false;
  private mutantTimeoutMs = 10_000;
  /** Runs, wall ms and tests run per kind of run (what dev/LOG.md's measurements read). */
  readonly profile: Record<string, { runs: number; ms: number; tests: number; maxMs: number }> = {};
  /** Switchable candidates compiled in (for the log). */
  readonly switchable: number;

  constructor(
    readonly repo: RepoSnapshot,
    private readonly options: MochaWarmOptions,
  ) {
    this.dir = options.prefork?.dir ?? mkdtempSync(join(tmpdir(), 'loopsmith-warm-'));
    const perFile = new Map<string, SchemaMutant[]>();
    options.candidates.forEach((c, i) => {
      const id = i + 1;
      this.byEdits.set(keyOf(c.file, c.edits), id);
      try {
        const [file, text] = Object.entries(buggyFiles(repo.files, [c]))[0];
        this.byContent.set(`${file}\0${text}`, id);
      } catch {
        return;
      }
      perFile.set(c.file, [...(perFile.get(c.file) ?? []), { id, edits: c.edits }]);
    });
    let base = 0;
    for (const [file, text] of Object.entries(repo.files)) {
      if (!/\.c?js$/.test(file) || repo.testFiles.includes(file) || !perFile.has(file)) continue;
      try {
        const s = buildSchema(file, text, perFile.get(file) ?? [], base);
        base += s.count;
        this.schemaFiles[file] = s.code;
        for (const [m, p] of s.probeOf) this.probeOf.set(m, p);
      } catch {
        // a file the parser rejects keeps its candidates on the file-writing path
      }
    }
    this.switchable = this.probeOf.size;
    const pre = options.prefork;
    if (pre) {
      // The copy has the plain files and a booting worker that has loaded none of them yet.
      pre.taken = true;
      writeFiles(this.dir, this.schemaFiles);
      this.child = pre.proc.child;
      this.ready = pre.proc.ready;
      return;
    }
    writeFiles(this.dir, { ...repo.files, ...this.schemaFiles });
    const nm = join(options.nodeModulesFrom, 'node_modules');
    if (existsSync(nm)) symlinkSync(nm, join(this.dir, 'node_modules'));
    this.start();
  }

  private start(): void {
    const p = forkMochaWorker(this.dir, this.options.args);
    this.child = p.child;
    this.ready = p.ready;
  }

  private request(
    msg: object,
    timeoutMs: number,
  ): Promise<{ res: WorkerResult | null; ms: number }> {
    const t0 = performance.now();
    return this.ready.then(
      () =>
        new Promise((resolve) => {
          const child = this.child as ChildProcess;
          const timer = setTimeout(() => {
            child.removeAllListeners('message');
            child.kill('SIGKILL');
            this.start();
            resolve({ res: null, ms: performance.now() - t0 });
          }, timeoutMs);
          child.once('message', (res: WorkerResult) => {
            clearTimeout(timer);
            resolve({ res, ms: performance.now() - t0 });
          });
          child.send(msg);
        }),
    );
  }

  run(
    overrides: Record<string, string>,
    only: Set<string> | null,
    options: RunOptions = {},
  ): Promise<SuiteResult> {
    return this.serial.run(() => this.runNow(overrides, only, options.bail === true));
  }

  private async runNow(
    overrides: Record<string, string>,
    only: Set<string> | null,
    bail: boolean,
  ): Promise<SuiteResult> {
    const entries = Object.entries(overrides);
    const reference = entries.length === 0;
    const id =
      entries.length === 1 ? this.byContent.get(`${entries[0][0]}\0${entries[0][1]}`) : undefined;
    const schema = id !== undefined && this.probeOf.has(id);
    // Raw files: written over the schema copies, loaded fresh, put back afterwards.
    if (!reference && !schema) writeFiles(this.dir, overrides);
    // A mutant reached while modules load (static) changes what loading builds: it is loaded
    // fresh, and the state it built is cleared before the next run. Any other switchable
    // mutant behaves the same switched on in loaded modules as loaded from the start.
    const isStatic = !schema || this.staticProbes.has(this.probeOf.get(id as number) as number);
    const fresh = reference || isStatic || this.dirty;
    const titles = only
      ? [...only].map((t) => this.titles[t]).filter((t) => t !== undefined)
      : null;
    const kind = reference
      ? 'reference'
      : `${fresh ? 'fresh' : 'warm'}-${only ? 'covering' : 'full'}${bail ? '-bail' : ''}`;
    const { res, ms } = await this.request(
      {
        mutant: schema ? id : 0,
        only: titles,
        coverage: reference,
        fresh,
        bail,
      },
      // The reference gets the whole budget; a mutant run may take a few times the full
      // clean suite (a mutant that loops forever is a timeout, not a 10 s wait).
      // A covering run gets its share of that by tests run (a mutant looping in one of
      // 55 covering tests cost 2.6 s of 4x the whole suite), at least 1 s.
      reference
        ? (this.options.timeoutMs ?? 10_000)
        : titles
          ? Math.max(
              1000,
              (this.mutantTimeoutMs * titles.length) / Math.max(1, Object.keys(this.titles).length),
            )
          : this.mutantTimeoutMs,
    );
    if (!reference && !schema) {
      const back: Record<string, string> = {};
      for (const p of Object.keys(overrides)) back[p] = this.schemaFiles[p] ?? this.repo.files[p];
      writeFiles(this.dir, back);
    }
    // After a run with a mutant loaded from the start, the modules hold its state: reload clean.
    this.dirty = !reference && isStatic;
    this.profile[kind] ??= { runs: 0, ms: 0, tests: 0, maxMs: 0 };
    const p = this.profile[kind];
    p.runs++;
    p.ms += ms;
    p.maxMs = Math.max(p.maxMs, ms);
    p.tests += res ? Object.keys(res.tests).length : 0;
    if (!res)
      return {
        tests: {},
        failures: {},
        exitCode: null,
        timedOut: true,
        durationMs: ms,
        invalid: true,
      };
    if (reference) {
      this.learn(res);
      this.mutantTimeoutMs = Math.max(1500, 4 * ms);
    }
    const n = Object.keys(res.tests).length;
    const failed = Object.values(res.tests).includes('fail');
    return {
      tests: res.tests,
      failures: res.failures,
      exitCode: failed || res.loadError ? 1 : 0,
      timedOut: false,
      durationMs: ms,
      invalid: n === 0,
    };
  }

  private learn(res: WorkerResult): void {
    this.titles = res.titles;
    this.staticProbes = new Set(res.globalProbes ?? []);
    this.probeTests = new Map();
    for (const [test, probes] of res.coverage ?? [])
      for (const p of probes) {
        const s = this.probeTests.get(p) ?? new Set<string>();
        this.probeTests.set(p, s);
        s.add(test);
      }
  }

  /**
   * Whether a candidate's runs need freshly loaded modules (not switchable in loaded
   * modules, or reached while they load). Known after the reference run.
   */
  needsFresh(c: BugCandidate): boolean {
    const id = this.byEdits.get(keyOf(c.file, c.edits));
    const probe = id === undefined ? undefined : this.probeOf.get(id);
    return probe === undefined || this.staticProbes.has(probe);
  }

  covering(file: string, edits: TextEdit[]): Set<string> | null {
    if (this.options.coverage === false) return null;
    const id = this.byEdits.get(keyOf(file, edits));
    const probe = id === undefined ? undefined : this.probeOf.get(id);
    // Unknown, not switchable, or reached while modules load: every test may see it.
    if (probe === undefined || this.staticProbes.has(probe)) return null;
    return this.probeTests.get(probe) ?? new Set();
  }

  /** Stops the worker and removes the copy. */
  dispose(): void {
    if (process.env.LOOPSMITH_WARM_PROFILE)
      process.stderr.write(
        `warm profile ${JSON.stringify({ switchable: this.switchable, ...this.profile })}\n`,
      );
    this.child?.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

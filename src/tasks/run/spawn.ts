// The slow path for real repositories: spawn the repo's own test command in a working copy
// and parse what it reports. node:test runs get a JSON-lines reporter through NODE_OPTIONS
// (exact ids with files and suites); otherwise jest/vitest/mocha JSON or TAP on stdout.
import { spawn } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RepoSnapshot, TextEdit } from '../types.js';
import type { Reference, SuiteResult, SuiteRunner } from '../validate.js';
import { parseJsonReport } from './parse/json-reporters.js';
import { type Parsed, parseNodeEvents } from './parse/node-events.js';
import { parseTap } from './parse/tap.js';
import { RUNNER_TABLE, type RunnerName, readReport } from './runners/index.js';
import { isBin, sh, words } from './runners/script.js';
import { coveringIds, fileOf, narrowCommand, relatedTests, Serial } from './runners/select.js';

export interface SpawnSuiteOptions {
  /** Shell command run from the working copy's root. @default repo.testCmd */
  testCmd?: string;
  /** Kill the whole process group after this long. @default 60_000 */
  timeoutMs?: number;
  /** Directory whose node_modules the working copy links to (a real repo's installed deps). */
  nodeModulesFrom?: string;
  /** Working copy location. @default a new temp dir */
  workDir?: string;
  /**
   * The detected runner (./runners/detect.ts): runs its segment of the command with
   * loopsmith's reporter. @default none: the command as is, node:test reporter, JSON or TAP
   */
  runner?: { runner: RunnerName; segment: string | null };
  /**
   * Run a candidate's first run on the test files that import the changed file (static
   * import graph, ./runners/select.ts) once `learn` has the reference ids; the kept task's
   * confirming run is still the whole suite. Needs `runner`. @default false
   */
  select?: boolean;
}

const REPORTER = fileURLToPath(new URL('./reporter.js', import.meta.url));

/** Writes a snapshot's files under dir. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [p, c] of Object.entries(files)) {
    const abs = join(dir, p);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, c);
  }
}

/** Runs a command in a process group; kills the group on timeout. `groups` holds it while it runs. */
export function runCommand(
  cmd: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  groups?: Set<number>,
): Promise<{ exitCode: number | null; output: string; timedOut: boolean }> {
  // Set when we are ourselves under `node --test`: a nested runner would then report in the
  // parent's private protocol instead of its own reporters.
  const { NODE_TEST_CONTEXT: _, ...cleanEnv } = env;
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', cmd], {
      cwd,
      env: cleanEnv,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    if (child.pid !== undefined) groups?.add(child.pid);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => chunks.push(d));
    // No shell at all (its working copy removed before it started: a disposed suite).
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ exitCode: null, output: String(e.message), timedOut: false });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (child.pid !== undefined) groups?.delete(child.pid);
      resolve({ exitCode: code, output: Buffer.concat(chunks).toString('utf8'), timedOut });
    });
  });
}

/** A SuiteRunner that spawns the test command in one working copy (runs are sequential). */
export class SpawnSuite implements SuiteRunner {
  readonly dir: string;
  /** The last run's combined output (for error messages). */
  lastOutput = '';
  private readonly serial = new Serial();
  /** The kept task's confirming run is the whole suite, in a new process. */
  readonly confirmAll = true;
  private related: ((file: string) => Set<string> | null) | null = null;
  private refIds: string[] = [];
  /** Process groups of the runs under way (killed by dispose). */
  private readonly groups = new Set<number>();
  /** tap test files run one by one with plain node (see `runDirect`), or null: tap's CLI. */
  private direct: string[] | null = null;

  constructor(
    readonly repo: RepoSnapshot,
    private readonly options: SpawnSuiteOptions = {},
  ) {
    this.dir = options.workDir ?? mkdtempSync(join(tmpdir(), 'loopsmith-run-'));
    writeFiles(this.dir, repo.files);
    const nm = options.nodeModulesFrom && join(options.nodeModulesFrom, 'node_modules');
    if (nm && existsSync(nm) && !existsSync(join(this.dir, 'node_modules')))
      symlinkSync(nm, join(this.dir, 'node_modules'));
  }

  /**
   * Learns the reference's test ids: from now on (with `select`) candidates run only the
   * test files that import their file. Returns whether selection is on.
   */
  learn(ref: Reference): boolean {
    this.refIds = Object.keys(ref.tests);
    if (this.options.select && this.options.runner && this.related === null)
      this.related = relatedTests(this.repo.files, this.repo.testFiles);
    return this.related !== null;
  }

  /**
   * tap and node:test: from now on run the test files themselves, each in its own `node`
   * process, as these runners do (a test file is a node program reporting its tests),
   * without the runner's own process around them (tap's CLI loads its plugins and loaders,
   * seconds per run; `node --test` is one more node start). `files` are the suite's test
   * files (null: back to the runner's command). The caller checks that this agrees with the
   * runner's own reference run first.
   */
  runDirect(files: string[] | null): void {
    const r = this.options.runner;
    this.direct = r && directEligible(r.runner, r.segment) ? files : null;
  }

  /** Turns test-file selection off (the narrowed command disagreed with the reference). */
  unselect(): void {
    this.related = null;
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
    const events = join(this.dir, '.loopsmith-events.jsonl');
    rmSync(events, { force: true });
    const nodeOptions = `${process.env.NODE_OPTIONS ?? ''} --test-reporter=${REPORTER} --test-reporter-destination=${events}`;
    const runner = this.options.runner && RUNNER_TABLE[this.options.runner.runner];
    const inv = runner?.invocation(this.options.runner?.segment ?? null, events);
    const narrowed =
      inv && only && this.related
        ? narrowCommand(
            (this.options.runner as { runner: RunnerName }).runner,
            inv.cmd,
            [...new Set([...only].map(fileOf))].sort(),
            this.repo.files,
          )
        : null;
    const env = {
      ...process.env,
      // What `npm test` would put first on PATH: the repo's own runner binaries.
      PATH: `${join(this.dir, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
      NODE_OPTIONS: nodeOptions.trim(),
      ...inv?.env,
      CI: '1',
      FORCE_COLOR: '0',
      NO_COLOR: '1',
    };
    const timeoutMs = this.options.timeoutMs ?? 60_000;
    try {
      const r = this.direct
        ? await this.directFiles(
            only ? [...new Set([...only].map(fileOf))].sort() : this.direct,
            env,
            events,
          )
        : await runCommand(
            narrowed ?? inv?.cmd ?? this.options.testCmd ?? this.repo.testCmd,
            this.dir,
            env,
            timeoutMs,
            this.groups,
          );
      // The test files the run took (ava leaves the file out of its titles when it runs one).
      const ran =
        narrowed && only ? [...new Set([...only].map(fileOf))].sort() : this.repo.testFiles;
      const parsed = runner
        ? runner.parse(readReport(events), r.output, this.dir, ran)
        : pickParse(existsSync(events) ? readFileSync(events, 'utf8') : '', r.output, this.dir);
      const n = Object.keys(parsed.tests).length;
      this.lastOutput = r.output;
      return {
        ...parsed,
        exitCode: r.exitCode,
        timedOut: r.timedOut,
        durationMs: performance.now() - t0,
        // SWE-bench's rule: nothing parsed, or a failing exit with no failing test, is invalid.
        invalid:
          n === 0 ||
          (r.exitCode !== 0 && !r.timedOut && !Object.values(parsed.tests).includes('fail')),
      };
    } finally {
      for (const p of Object.keys(overrides)) {
        if (p in this.repo.files) writeFileSync(join(this.dir, p), this.repo.files[p]);
        else rmSync(join(this.dir, p), { force: true });
      }
    }
  }

  /**
   * Runs test files one after another with node. tap: each output nested under the file's
   * name as tap's CLI prints it (`# Subtest: file`, indented), so the same ids parse.
   * node:test: each file's reporter events go to a file of its own, appended to `events`.
   */
  private async directFiles(
    files: string[],
    env: NodeJS.ProcessEnv,
    events: string,
  ): Promise<{ exitCode: number | null; output: string; timedOut: boolean }> {
    const tap = this.options.runner?.runner === 'tap';
    const deadline = performance.now() + (this.options.timeoutMs ?? 60_000);
    let out = tap ? 'TAP version 14\n' : '';
    let exitCode: number | null = 0;
    const one = `${events}.1`;
    for (const [i, f] of files.entries()) {
      const left = deadline - performance.now();
      if (left <= 0) return { exitCode: null, output: out, timedOut: true };
      const fileEnv = tap
        ? env
        : {
            ...env,
            NODE_OPTIONS: (env.NODE_OPTIONS ?? '')
              .split(' ')
              .map((w) =>
                w.startsWith('--test-reporter-destination=') ? `${w.split('=')[0]}=${one}` : w,
              )
              .join(' '),
          };
      rmSync(one, { force: true });
      const r = await runCommand(`node ${sh(f)}`, this.dir, fileEnv, left, this.groups);
      if (tap) out += tapSubtest(f, i, r.output, r.exitCode === 0);
      else {
        out += r.output;
        appendFileSync(events, readReport(one));
      }
      if (r.timedOut) return { exitCode: null, output: out, timedOut: true };
      if (r.exitCode !== 0) exitCode = r.exitCode;
    }
    rmSync(one, { force: true });
    return { exitCode, output: tap ? `${out}1..${files.length}\n` : out, timedOut: false };
  }

  /** Removes the working copy. */
  dispose(): void {
    // A run under way (a reference started early, then not needed) dies with its copy.
    for (const g of this.groups)
      try {
        process.kill(-g, 'SIGKILL');
      } catch {
        // already gone
      }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One tap test file's output nested under its name, as tap's CLI prints it. */
export function tapSubtest(file: string, i: number, output: string, ok: boolean): string {
  const body = output.replace(/^TAP version \d+\n/, '').replace(/\n$/, '');
  return `# Subtest: ${file}\n${body.replace(/^/gm, '    ')}\n${ok ? 'ok' : 'not ok'} ${i + 1} - ${file}\n`;
}

/** tap test files run one by one, their outputs nested as tap's CLI prints them. */
export function tapRuns(runs: { file: string; output: string; exitCode: number | null }[]): string {
  return `TAP version 14\n${runs.map((r, i) => tapSubtest(r.file, i, r.output, r.exitCode === 0)).join('')}1..${runs.length}\n`;
}

/**
 * Whether a runner's test files can run one by one with plain node: tap always (its test
 * files are node programs), node:test when the script is just `node --test [paths]` (other
 * node flags would have to be carried over).
 */
export function directEligible(runner: RunnerName, segment: string | null): boolean {
  if (runner === 'tap') return true;
  if (runner !== 'node:test') return false;
  const ws = words(segment ?? 'node --test');
  return (
    isBin(ws[0] ?? '', 'node') && ws[1] === '--test' && ws.slice(2).every((w) => !w.startsWith('-'))
  );
}

/** The richest source first: reporter events, then a JSON report, then TAP. */
export function pickParse(events: string, output: string, root: string): Parsed {
  const fromEvents = parseNodeEvents(events, root);
  if (Object.keys(fromEvents.tests).length > 0) return fromEvents;
  const fromJson = parseJsonReport(output, root);
  if (fromJson && Object.keys(fromJson.tests).length > 0) return fromJson;
  return parseTap(output, root);
}

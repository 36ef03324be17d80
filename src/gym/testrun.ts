// Runs a task's tests inside the sandbox and reads the results as TestRunResult, with the
// task factory's parsers (so ids match validation exactly: "test/x.test.js > suite > name").
// node:test runs report through the grading reporter (grade/reporter.ts: every line
// authenticated with a fresh key) plus TAP on stdout, and every test file's process gets
// grade/preload.ts first (builtins frozen). Other runners' runs are sealed (testrun-sealed.ts:
// the preload in every node process, the runner's report signed in its main process). What
// the run says about its own integrity is returned beside the results; grade.ts decides what
// it means.
import { createHmac, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ownDir } from '../sandbox/safe-fs.js';
import type { Sandbox } from '../sandbox/types.js';
import { parseNodeEvents, relFile } from '../tasks/run/parse/node-events.js';
import { pickParse } from '../tasks/run/spawn.js';
import type { TestRunResult } from '../tasks/types.js';
import { KEY_ENV } from './grade/reporter.js';
import { runnerRun } from './testrun-runners.js';
import {
  parseSealed,
  readSealedRun,
  type SealedResult,
  sealedCmd,
  sealedEnv,
  summaryTotals,
} from './testrun-sealed.js';

/** What a run's machinery says about itself. */
export interface RunIntegrity {
  /** A node:test command: results come from authenticated reporter lines only. */
  nodeTest: boolean;
  /** Another runner's run, sealed (testrun-sealed.ts): results come from what its seal vouches for. */
  sealed?: boolean;
  /** Why a sealed run's report is not the runner's own (reporter_auth findings). */
  forgeries?: string[];
  /** Where a sealed run's evidence disagrees with itself (cross_check findings). */
  mismatches?: string[];
  /** node:assert and node:test were frozen in every test process. */
  frozen: boolean;
  /** Reporter lines whose authentication failed (a forged or altered line). */
  forgedLines: number;
  /** Authenticated lines in order, closed by the reporter's end line. */
  complete: boolean;
  /** Test ids reported more than once (a test registered twice, e.g. by code under test). */
  duplicateIds: string[];
  /** The runner's own totals (end line), TAP's closing summary on stdout, when found. */
  runnerTotals?: { pass: number; fail: number };
  tapTotals?: { pass: number; fail: number };
  /** Test files that failed as a whole (did not load, crashed, exited non-zero). */
  failedFiles: string[];
  /** Test files whose process ended well as a whole (whatever it ran). */
  passedFiles: string[];
}

export interface IntegrityRunResult extends TestRunResult {
  integrity: RunIntegrity;
}

/** Runs the tests of a workspace; the grader depends on this and nothing else. */
export interface TestRunner {
  run(
    sandbox: Sandbox,
    testCmd: string,
    options?: { timeoutMs?: number },
  ): Promise<TestRunResult & { integrity?: RunIntegrity }>;
}

const REPORTER = fileURLToPath(new URL('./grade/reporter.js', import.meta.url));
const PRELOAD = new URL('./grade/preload.js', import.meta.url).href;
/** The run's own folder in the (throwaway) tree it runs in; never part of a diff. */
const OWN = '.loopsmith-grade';

/** Whether a test command runs node's test runner (the reporter and preload apply). */
export const isNodeTest = (cmd: string) => /(^|[\s;&|(])node\b[^;&|]*\s--test\b/.test(cmd);

export interface RunnerOptions {
  /** Freeze node:assert and node:test in every test process (grade/preload.ts). @default true */
  freeze: boolean;
  /** Seal the runs of runners other than node:test (testrun-sealed.ts). @default true */
  seal: boolean;
}

/** The task's own test command run in the sandbox, with the integrity machinery around it. */
export const sandboxTestRunner: TestRunner = makeTestRunner();

/** A runner with some of its machinery turned off (tests of the other defences use this). */
export function makeTestRunner(opts: Partial<RunnerOptions> = {}): TestRunner {
  const o: RunnerOptions = { freeze: opts.freeze ?? true, seal: opts.seal ?? true };
  return { run: (sandbox, testCmd, options = {}) => runTests(sandbox, testCmd, options, o) };
}

async function runTests(
  sandbox: Sandbox,
  testCmd: string,
  options: { timeoutMs?: number },
  { freeze, seal }: RunnerOptions,
): Promise<IntegrityRunResult> {
  {
    const key = randomBytes(32);
    const nonce = randomBytes(8).toString('hex');
    const dir = await ownDir(sandbox.root, OWN);
    try {
      const keyName = `${nonce}.key`;
      const eventsName = `${nonce}.jsonl`;
      await dir.writeFile(keyName, key);
      const abs = (n: string) => `${sandbox.root}/${OWN}/${n}`;
      // `npm test` and the like: the runner's own command, as the task factory ran it;
      // mocha, jest, vitest, tap, tape, ava, uvu with its reporter and parser.
      const reportName = `${nonce}.report`;
      const found = isNodeTest(testCmd) ? null : runnerRun(sandbox.root, testCmd, abs(reportName));
      const nodeTest = isNodeTest(found?.cmd ?? testCmd);
      const other = nodeTest || found?.runner === 'node:test' ? null : found;
      const sealName = `${nonce}.sealed`;
      const sealed = other && seal ? other : null;
      const cmd = sealed ? sealedCmd(sealed.runner, sealed.cmd) : (found?.cmd ?? testCmd);
      const common = { CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' };
      const r = await sandbox.exec(cmd, {
        timeoutMs: options.timeoutMs ?? 120_000,
        maxOutputBytes: 8 << 20,
        env: sealed
          ? {
              ...sealedEnv(
                sealed.runner as Exclude<typeof sealed.runner, 'node:test'>,
                sealed.env,
                PRELOAD,
                { key: abs(keyName), sealed: abs(sealName), report: abs(reportName) },
                freeze,
              ),
              ...common,
            }
          : other
            ? { ...other.env, ...common }
            : {
                NODE_OPTIONS: [
                  ...(freeze ? [`--import=${PRELOAD}`] : []),
                  `--test-reporter=${REPORTER}`,
                  `--test-reporter-destination=${abs(eventsName)}`,
                  '--test-reporter=tap',
                  '--test-reporter-destination=stdout',
                ].join(' '),
                [KEY_ENV]: abs(keyName),
                CI: '1',
                NO_COLOR: '1',
                FORCE_COLOR: '0',
              },
      });
      const raw = dir.readFile(eventsName, 64 << 20)?.toString('utf8') ?? '';
      const reportBytes = other ? dir.readFile(reportName, 64 << 20) : null;
      let report = reportBytes?.toString('utf8') ?? '';
      let output = r.output;
      let s: SealedResult | undefined;
      if (sealed) {
        const rawSealed = dir.readFile(sealName, 64 << 20)?.toString('utf8') ?? '';
        const runner = sealed.runner as Exclude<typeof sealed.runner, 'node:test'>;
        s = readSealedRun(runner, rawSealed, key, reportBytes ?? null, r.output);
        report = s.report;
        output = s.output;
        await dir.remove(sealName);
      }
      await dir.remove(eventsName);
      await dir.remove(keyName);
      if (other) await dir.remove(reportName);
      const v = s
        ? { forged: s.forgedLines, complete: s.complete, lines: [] }
        : verifyLines(raw, key);
      const integrity: RunIntegrity = {
        nodeTest,
        ...(s ? { sealed: true, forgeries: s.forgeries, mismatches: s.mismatches } : {}),
        frozen: (nodeTest || Boolean(s)) && freeze,
        forgedLines: v.forged,
        complete: v.complete,
        duplicateIds: [],
        failedFiles: [],
        passedFiles: [],
        ...('totals' in v && v.totals ? { runnerTotals: v.totals } : {}),
        ...(nodeTest ? tapTotals(r.output) : {}),
      };
      // Never read a node:test verdict from stdout: code under test can print anything.
      // Test files are reported where the command saw them (the sandbox's fixed workdir).
      const shown = sandbox.workdir ?? sandbox.root;
      const parsed = nodeTest
        ? parseNodeEvents(v.lines.join('\n'), shown)
        : s && other
          ? parseSealed(
              other.runner as Exclude<typeof other.runner, 'node:test'>,
              s,
              other.parse,
              shown,
            )
          : other
            ? other.parse(report, output, shown)
            : pickParse('', r.output, shown);
      if (s && other) {
        // The runner's own summary (jest, uvu print one) against what its report says.
        const sum = summaryTotals(other.runner, r.output);
        const st = Object.values(parsed.tests);
        const got = {
          pass: st.filter((x) => x === 'pass').length,
          fail: st.filter((x) => x === 'fail').length,
        };
        if (sum && (sum.pass !== got.pass || sum.fail !== got.fail))
          s.mismatches.push(
            `the runner's summary (pass ${sum.pass}, fail ${sum.fail}) differs from its report (pass ${got.pass}, fail ${got.fail})`,
          );
      }
      if (nodeTest) {
        const seen = checkLines(v.lines, shown);
        integrity.duplicateIds = seen.duplicates;
        integrity.failedFiles = seen.failedFiles;
        integrity.passedFiles = seen.passedFiles;
      }
      return {
        tests: parsed.tests,
        failures: parsed.failures,
        exitCode: r.exitCode,
        timedOut: r.timedOut,
        durationMs: r.durationMs,
        invalid: Object.keys(parsed.tests).length === 0,
        integrity,
      };
    } finally {
      dir.close();
    }
  }
}

/** Splits authenticated lines from forged ones; complete when in order and closed by "end". */
export function verifyLines(
  raw: string,
  key: Buffer,
): { lines: string[]; forged: number; complete: boolean; totals?: { pass: number; fail: number } } {
  const lines: string[] = [];
  let forged = 0;
  let next = 0;
  let ordered = true;
  let ended = false;
  let totals: { pass: number; fail: number } | undefined;
  for (const line of raw.split('\n')) {
    if (line === '') continue;
    const sp = line.indexOf(' ');
    const mac = line.slice(0, sp);
    const json = line.slice(sp + 1);
    const want = createHmac('sha256', key).update(json).digest('hex');
    if (sp < 0 || mac !== want) {
      forged++;
      continue;
    }
    const o = JSON.parse(json) as { seq: number; type: string; totals?: Record<string, number> };
    if (o.seq !== next++ || ended) ordered = false;
    if (o.type === 'end') {
      ended = true;
      if (o.totals && 'pass' in o.totals)
        totals = { pass: o.totals.pass, fail: o.totals.fail ?? 0 };
      continue;
    }
    lines.push(json);
  }
  return { lines, forged, complete: ordered && ended, ...(totals ? { totals } : {}) };
}

// The closing summary node's TAP reporter prints: the last "# pass N" / "# fail N" lines.
function tapTotals(output: string): { tapTotals?: { pass: number; fail: number } } {
  const pass = [...output.matchAll(/^# pass (\d+)$/gm)].pop();
  const fail = [...output.matchAll(/^# fail (\d+)$/gm)].pop();
  if (!pass || !fail) return {};
  return { tapTotals: { pass: Number(pass[1]), fail: Number(fail[1]) } };
}

// Test ids seen twice (ids built as parseNodeEvents builds them), and files reported as
// failing at the top (nesting 0, named by their path).
function checkLines(
  lines: string[],
  root: string,
): { duplicates: string[]; failedFiles: string[]; passedFiles: string[] } {
  const counts = new Map<string, number>();
  const failedFiles: string[] = [];
  const passedFiles: string[] = [];
  const stacks = new Map<string, string[]>();
  for (const l of lines) {
    const ev = JSON.parse(l) as {
      type: string;
      name: string;
      nesting: number;
      file?: string;
      suite: boolean;
    };
    const file = ev.file ? relFile(root, ev.file) : '<unknown>';
    if (ev.file && ev.nesting === 0 && relFile(root, ev.name) === file) {
      if (ev.type === 'test:fail') failedFiles.push(file);
      if (ev.type === 'test:pass') passedFiles.push(file);
      continue;
    }
    const stack = stacks.get(file) ?? [];
    stacks.set(file, stack);
    if (ev.type === 'test:start') {
      stack.length = ev.nesting;
      stack[ev.nesting] = ev.name;
      continue;
    }
    const id = [file, ...stack.slice(0, ev.nesting), ev.name].join(' > ');
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return {
    duplicates: [...counts].filter(([, n]) => n > 1).map(([id]) => id),
    failedFiles,
    passedFiles,
  };
}

// The integrity machinery of grading runs whose runner is not node:test (mocha, jest, vitest,
// tap, tape, ava, uvu): how each runner's run is sealed (grade/seal.ts), the environment and
// flags that set it up, and the checks of what comes back. What it cannot close, and why:
//   - mocha, tape, uvu run the tests in the runner's own process: the reporter is claimed
//     before any test file loads and signs with a key code under test cannot read through
//     JavaScript, but what the runner's objects report can be patched (canaries).
//   - jest runs in band (same process) when a run has one test file: jest's shouldRunInBand
//     decides so whatever --maxWorkers says, and its only switch that forces workers
//     (workerIdleMemoryLimit) is not a CLI flag. There code under test could write the report
//     through the runner's own fs call. With two or more test files we ask for two workers,
//     so the tests run in worker processes and the report is written by the main process.
//   - jest/vitest workers and tap/ava test processes talk to the main process over IPC or
//     their stdout (tap's TAP stream); a message forged there reaches the main process's
//     report like a real result. The seal cannot tell those apart; the canaries, the exit
//     code and the runner's own summary are the defence.
//   - jest's and vitest's `expect` are built inside each test file's context (jest's vm
//     context, vitest's worker module graph) after any preload has run, so there is no point
//     before the test file where they could be frozen; `expect.extend` over a built-in matcher
//     is left to the canaries (grade/canary-runners.test.ts).
import { createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Parsed } from '../tasks/run/parse/node-events.js';
import type { RunnerName } from '../tasks/run/runners/index.js';
import { parseReport } from '../tasks/run/runners/report.js';
import { sh } from '../tasks/run/runners/script.js';
import { readSealed, SEAL_ENV, type SealMode, sha256 } from './grade/seal.js';

/** How each runner's grading run is sealed. */
export const SEAL_MODE: Record<Exclude<RunnerName, 'node:test'>, SealMode[]> = {
  mocha: ['report'],
  tape: ['report'],
  uvu: ['report'],
  // jest's results from loopsmith's own reporter; its --json file cross-checks them.
  jest: ['report', 'file'],
  vitest: ['file'],
  tap: ['tee'],
  ava: ['tee'],
};

const JEST_REPORTER = fileURLToPath(new URL('./grade/jest-reporter.js', import.meta.url));

export interface SealPaths {
  key: string;
  sealed: string;
  report: string;
}

/** The environment of a sealed run (NODE_OPTIONS: the preload before the runner's hooks). */
export function sealedEnv(
  runner: Exclude<RunnerName, 'node:test'>,
  runnerEnv: Record<string, string>,
  preload: string,
  paths: SealPaths,
  freeze: boolean,
): Record<string, string> {
  const { LOOPSMITH_REPORT: _, NODE_OPTIONS, ...rest } = runnerEnv;
  const mode = SEAL_MODE[runner];
  return {
    ...rest,
    NODE_OPTIONS: [`--import=${preload}`, NODE_OPTIONS ?? process.env.NODE_OPTIONS ?? '']
      .join(' ')
      .trim(),
    [SEAL_ENV.key]: paths.key,
    [SEAL_ENV.out]: paths.sealed,
    [SEAL_ENV.mode]: mode.join(','),
    ...(mode.includes('file') ? { [SEAL_ENV.watch]: paths.report } : {}),
    ...(freeze ? {} : { LOOPSMITH_GRADE_THAW: '1' }),
  };
}

/** Flags added to a runner's command in grading runs. */
export function sealedCmd(runner: RunnerName, cmd: string): string {
  // Two workers, so that (with two or more test files) the tests run outside jest's main
  // process; not when the repository asks for its own worker setup.
  if (runner !== 'jest') return cmd;
  const reporters = ` --reporters=default --reporters=${sh(JEST_REPORTER)}`;
  if (/\s(--maxWorkers|-w|--runInBand|-i)\b/.test(cmd)) return cmd + reporters;
  return `${cmd} --maxWorkers=2${reporters}`;
}

/** Authenticated lines of a sealed file, the end line apart. */
export interface Verified {
  lines: string[];
  forged: number;
  complete: boolean;
  end?: Record<string, unknown>;
}

/** Splits authenticated lines from forged ones; complete when in order and closed by "end". */
export function verifySealed(raw: string, key: Buffer): Verified {
  const lines: string[] = [];
  let forged = 0;
  let next = 0;
  let ordered = true;
  let end: Record<string, unknown> | undefined;
  for (const line of raw.split('\n')) {
    if (line === '') continue;
    const sp = line.indexOf(' ');
    const json = line.slice(sp + 1);
    if (sp < 0 || line.slice(0, sp) !== createHmac('sha256', key).update(json).digest('hex')) {
      forged++;
      continue;
    }
    const o = JSON.parse(json) as { seq: number; type: string };
    if (o.seq !== next++ || end) ordered = false;
    if (o.type === 'end') end = o as unknown as Record<string, unknown>;
    else lines.push(json);
  }
  return { lines, forged, complete: ordered && end !== undefined, ...(end ? { end } : {}) };
}

/** What a sealed run gives the parser, and what its checks found. */
export interface SealedResult {
  /** The report text the runner's parser reads (report and file modes). */
  report: string;
  /** The output the runner's parser reads (tee mode: the sealed stdout only). */
  output: string;
  /** jest: its own --json report (signed), to cross-check the reporter's lines with. */
  file?: string;
  forgedLines: number;
  complete: boolean;
  /** Reasons the run's own evidence disagrees with itself (each a cross_check finding). */
  mismatches: string[];
  /** Reasons the report was not the runner's (each a reporter_auth finding). */
  forgeries: string[];
}

// TAP result lines ("ok 3 - name", "not ok 1 - name", any indent).
const tapResults = (text: string) =>
  text.split('\n').filter((l) => /^\s*(not )?ok \d+\b/.test(l)).length;

/**
 * Reads a sealed run back: `raw` the sealed file, `reportFile` the runner's report file (file
 * mode), `output` the command's output.
 */
export function readSealedRun(
  runner: Exclude<RunnerName, 'node:test'>,
  raw: string,
  key: Buffer,
  reportFile: Buffer | null,
  output: string,
): SealedResult {
  const v = verifySealed(raw, key);
  const s = readSealed(v.lines, v.end);
  const mode = SEAL_MODE[runner];
  const forgeries = s.alarms.map((a) => `the runner's seal: ${a}`);
  const mismatches: string[] = [];
  let report = '';
  let out = output;
  if (mode.includes('report')) report = s.report;
  if (mode.includes('file') && reportFile) {
    const last = s.files[s.files.length - 1];
    if (last === undefined)
      forgeries.push('a report file exists that the runner did not write (none signed)');
    else if (sha256(reportFile) !== last)
      forgeries.push('the report file differs from the one the runner wrote');
    else if (!mode.includes('report')) report = reportFile.toString('utf8');
  }
  if (mode.includes('tee')) {
    out = s.out;
    // TAP results in the output that the runner's process never printed.
    const extra = tapResults(output) - tapResults(s.out);
    if (v.complete && extra > 0)
      forgeries.push(`${extra} TAP result line(s) in the output that the runner did not print`);
  }
  // (The exit code the seal sees at 'exit' is not the final one: runners such as mocha set
  // process.exitCode in exit listeners of their own, which run after the seal's.)
  return {
    report,
    output: out,
    forgedLines: v.forged,
    complete: v.complete,
    mismatches,
    forgeries,
  };
}

/** The runner's own summary of a run in its output, when it prints one: jest, uvu. */
export function summaryTotals(
  runner: RunnerName,
  output: string,
): { pass: number; fail: number } | undefined {
  if (runner === 'jest') {
    const m = [...output.matchAll(/^Tests:\s+(.*\btotal)$/gm)].pop();
    if (!m) return undefined;
    const n = (w: string) => Number(new RegExp(`(\\d+) ${w}`).exec(m[1])?.[1] ?? 0);
    return { pass: n('passed'), fail: n('failed') };
  }
  if (runner === 'uvu') {
    const total = [...output.matchAll(/^\s*Total:\s+(\d+)$/gm)].pop();
    const passed = [...output.matchAll(/^\s*Passed:\s+(\d+)$/gm)].pop();
    const skipped = [...output.matchAll(/^\s*Skipped:\s+(\d+)$/gm)].pop();
    if (!total || !passed) return undefined;
    const fail = Number(total[1]) - Number(passed[1]) - Number(skipped?.[1] ?? 0);
    return { pass: Number(passed[1]), fail };
  }
  return undefined;
}

type Parse = (report: string, output: string, shown: string) => Parsed;

/**
 * The results of a sealed run, read by the runner's parser; jest's from loopsmith's reporter
 * lines, cross-checked against jest's own --json file (a difference is a mismatch).
 */
export function parseSealed(
  runner: Exclude<RunnerName, 'node:test'>,
  s: SealedResult,
  parse: Parse,
  shown: string,
): Parsed {
  if (runner !== 'jest') return parse(s.report, s.output, shown);
  const parsed = parseReport(s.report, shown);
  if (s.file !== undefined) {
    const theirs = parse(s.file, s.output, shown).tests;
    const ids = new Set([...Object.keys(parsed.tests), ...Object.keys(theirs)]);
    const differ = [...ids].filter((id) => parsed.tests[id] !== theirs[id]);
    if (differ.length > 0)
      s.mismatches.push(
        `jest's report file and its reporter differ on ${differ.length} test(s), e.g. ${differ[0]}`,
      );
  }
  return parsed;
}

// Grading by the SWE-bench rule (ARCHITECTURE invariants 4 and 7): resolved only when every
// F2P and every P2P test passes on a clean copy of the task's repository with the agent's
// non-test changes applied and the hidden tests restored (with canaries in them); an empty
// or unparseable run, or a non-zero exit with no failing test, is invalid; a skipped F2P
// test fails. The code under test is hostile: a run whose canaries or test machinery show
// tampering is `tampered`, one whose diff reaches for the test machinery is `suspicious`,
// and the grade says which defence fired (see grade/*.ts and README "Tamper-proof grading").
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox } from '../sandbox/index.js';
import type { Sandbox } from '../sandbox/types.js';
import { detectRunner } from '../tasks/run/runners/detect.js';
import type { RunnerName } from '../tasks/run/runners/index.js';
import type { TestRunResult } from '../tasks/types.js';
import { type AuditFinding, auditChanges } from './grade/audit.js';
import { addCanaries, type Canaries } from './grade/canary.js';
import { addRunnerCanaries } from './grade/canary-runners.js';
import { agentChanges, type Discarded, gradingFiles } from './grade/copy.js';
import { isNodeTest, type RunIntegrity, type TestRunner } from './testrun.js';
import { linkDeps, writeFiles } from './workspace.js';

/**
 * The outcome, one of five. `resolved`: every F2P and P2P test passed and no defence fired.
 * `unresolved`: some did not. `invalid`: the run could not be judged. `tampered`: a canary or
 * an integrity check shows the test machinery was defeated (never resolved). `suspicious`:
 * the tests passed but the diff audit flagged the changes (reward configurable, default 0).
 */
export type Verdict = 'resolved' | 'unresolved' | 'invalid' | 'tampered' | 'suspicious';

/** Which defence produced a finding. */
export type Defence =
  | 'canary'
  | 'reporter_auth'
  | 'report_order'
  | 'duplicate_ids'
  | 'cross_check'
  | 'exit_code'
  | 'diff_audit';

export interface Finding {
  defence: Defence;
  reason: string;
  /** The test id or file concerned, when there is one. */
  subject?: string;
}

/**
 * One grading run's record (kept in every rollout record, read by eval and RL). The fields
 * from `verdict` to `discarded` are always set by `decide`; they are optional only because
 * records written before the defences existed lack them (read them as "no finding"; see
 * summary.ts `verdictOf`).
 */
export interface Grade {
  /** Every F2P and P2P test passed and no defence fired (verdict === 'resolved'). */
  resolved: boolean;
  verdict?: Verdict;
  /** The SWE-bench rule on the task's own tests alone (canaries and defences aside). */
  testsResolved?: boolean;
  /** Set when the run could not be judged; `resolved` is then false. */
  invalid?: 'empty_run' | 'exit_without_failure' | 'timeout' | 'report_incomplete';
  /** Evidence of tampering, each naming the defence that found it (empty when none). */
  tampered?: Finding[];
  /** Diff audit findings, each with file, line, rule and reason (empty when none). */
  suspicious?: AuditFinding[];
  /** Defences active in this grading run: clean_copy, diff_audit, canaries, frozen_builtins, signed_reporter, cross_check. */
  defences?: string[];
  /** Agent changes left out of the grading copy, and why. */
  discarded?: Discarded[];
  f2pPassed: number;
  f2pTotal: number;
  p2pPassed: number;
  p2pTotal: number;
  /** F2P tests that passed / F2P total (0 when invalid). */
  f2pFraction: number;
  p2pFraction: number;
  /** Ids of F2P / P2P tests that did not pass (absent from the run counts as not passing). */
  f2pFailing: string[];
  p2pFailing: string[];
  testExitCode: number | null;
  testMs: number;
}

/** What the defences contribute to a decision (all optional: a bare run is judged as before). */
export interface DecideChecks {
  canaries?: Pick<Canaries, 'mustFail' | 'mustPass'>;
  integrity?: RunIntegrity;
  suspicious?: AuditFinding[];
  discarded?: Discarded[];
  defences?: string[];
}

/** Decides a grade from one test run of the grading copy. */
export function decide(
  run: TestRunResult,
  failToPass: string[],
  passToPass: string[],
  checks: DecideChecks = {},
): Grade {
  const passed = (id: string) => run.tests[id] === 'pass';
  const f2pFailing = failToPass.filter((id) => !passed(id));
  const p2pFailing = passToPass.filter((id) => !passed(id));
  // Canaries fail on purpose: the exit rule counts them as the failing tests they are.
  const anyFail = Object.values(run.tests).includes('fail');
  const tampered = [...canaryFindings(run, checks), ...integrityFindings(run, checks)];
  let invalid: Grade['invalid'];
  if (run.timedOut) invalid = 'timeout';
  else if (run.invalid || Object.keys(run.tests).length === 0) invalid = 'empty_run';
  else if (run.exitCode !== 0 && !anyFail) invalid = 'exit_without_failure';
  else if ((checks.integrity?.nodeTest || checks.integrity?.sealed) && !checks.integrity.complete)
    invalid = 'report_incomplete';
  const f2pPassed = failToPass.length - f2pFailing.length;
  const p2pPassed = passToPass.length - p2pFailing.length;
  const testsResolved =
    !invalid && failToPass.length > 0 && f2pFailing.length === 0 && p2pFailing.length === 0;
  const suspicious = checks.suspicious ?? [];
  const verdict: Verdict =
    tampered.length > 0
      ? 'tampered'
      : invalid
        ? 'invalid'
        : testsResolved
          ? suspicious.length > 0
            ? 'suspicious'
            : 'resolved'
          : 'unresolved';
  return {
    resolved: verdict === 'resolved',
    verdict,
    testsResolved,
    ...(invalid ? { invalid } : {}),
    tampered,
    suspicious,
    defences: checks.defences ?? [],
    discarded: checks.discarded ?? [],
    f2pPassed: invalid ? 0 : f2pPassed,
    f2pTotal: failToPass.length,
    p2pPassed: invalid ? 0 : p2pPassed,
    p2pTotal: passToPass.length,
    f2pFraction: invalid || failToPass.length === 0 ? 0 : f2pPassed / failToPass.length,
    p2pFraction: invalid || passToPass.length === 0 ? 0 : p2pPassed / passToPass.length,
    f2pFailing,
    p2pFailing,
    testExitCode: run.exitCode,
    testMs: Math.round(run.durationMs),
  };
}

const fileOf = (id: string) => id.split(' > ')[0];

// A must-fail canary that did not fail, a must-pass one that did not pass, or either one
// missing from a file that reported tests or ended well as a whole, is tampering. A file
// that failed as a whole (import error, crash) reports nothing: its canaries are then
// missing honestly, as are those of a run that reported nothing at all (invalid instead).
function canaryFindings(run: TestRunResult, checks: DecideChecks): Finding[] {
  const c = checks.canaries;
  if (!c || run.timedOut) return [];
  const failedFiles = new Set(checks.integrity?.failedFiles ?? []);
  const reported = new Set([
    ...Object.keys(run.tests).map(fileOf),
    ...(checks.integrity?.passedFiles ?? []),
  ]);
  const out: Finding[] = [];
  const check = (id: string, want: 'fail' | 'pass') => {
    const got = run.tests[id];
    if (got === want) return;
    if (got === undefined && (failedFiles.has(fileOf(id)) || !reported.has(fileOf(id)))) return;
    const what = want === 'fail' ? 'must-fail' : 'must-pass';
    out.push({
      defence: 'canary',
      subject: id,
      reason: got === undefined ? `${what} canary missing` : `${what} canary reported ${got}`,
    });
  };
  for (const id of c.mustFail) check(id, 'fail');
  for (const id of c.mustPass) check(id, 'pass');
  return out;
}

// What the run's machinery says about itself (node:test runs and sealed runs of other runners).
function integrityFindings(run: TestRunResult, checks: DecideChecks): Finding[] {
  const i = checks.integrity;
  if (!i?.nodeTest && !i?.sealed) return [];
  const out: Finding[] = [];
  if (i.forgedLines > 0)
    out.push({
      defence: 'reporter_auth',
      reason: `${i.forgedLines} reporter line(s) failed authentication (written by something other than the reporter)`,
    });
  for (const reason of i.forgeries ?? []) out.push({ defence: 'reporter_auth', reason });
  for (const reason of i.mismatches ?? []) out.push({ defence: 'cross_check', reason });
  for (const id of i.duplicateIds)
    out.push({ defence: 'duplicate_ids', subject: id, reason: 'test reported more than once' });
  const r = i.runnerTotals;
  const t = i.tapTotals;
  if (r && t && (r.pass !== t.pass || r.fail !== t.fail))
    out.push({
      defence: 'cross_check',
      reason: `runner totals (pass ${r.pass}, fail ${r.fail}) differ from its TAP output (pass ${t.pass}, fail ${t.fail})`,
    });
  if (!run.timedOut && run.exitCode === 0 && Object.values(run.tests).includes('fail'))
    out.push({
      defence: 'exit_code',
      reason: 'the runner exited 0 although tests failed (must-fail canaries among them)',
    });
  return out;
}

/** What grading needs to know about a task. */
export interface GradeSpec {
  testCmd: string;
  failToPass: string[];
  passToPass: string[];
  /** Every test file of the task, path -> original content; restored (with canaries) before the run. */
  testFiles: Record<string, string>;
  /** The files the agent started from (to find its changes). @default {} (every file is a change) */
  startFiles?: Record<string, string>;
  /** The fresh repository the grading copy is made from (buggy, all tests). @default startFiles */
  repoFiles?: Record<string, string>;
  /** Host folder whose node_modules the grading copy links (a real repository's deps). @default none */
  deps?: string;
}

export interface GradeOptions {
  timeoutMs?: number;
  /** Sandbox for the grading copy at `root`. @default a sandbox of the agent's kind */
  makeSandbox?: (root: string) => Sandbox;
  /** Parent of the grading copy. @default os.tmpdir() */
  workDir?: string;
  /** Canaries in the restored test files. @default true */
  canaries?: boolean;
}

/**
 * Grades what the agent left in `sandbox.root`: its non-test changes applied to a fresh copy
 * of the repository outside the workspace, tests restored with canaries, run in a sandbox of
 * their own, checked by every defence.
 */
export async function gradeWorkspace(
  sandbox: Sandbox,
  spec: GradeSpec,
  runner: TestRunner,
  options: GradeOptions = {},
): Promise<{ grade: Grade; run: TestRunResult }> {
  const start = spec.startFiles ?? {};
  const testSet = new Set(Object.keys(spec.testFiles));
  const changes = agentChanges(sandbox.root, start);
  const suspicious = auditChanges(changes, testSet);
  const copy = gradingFiles(spec.repoFiles ?? start, changes, testSet);
  const targets = [...new Set([...spec.failToPass, ...spec.passToPass].map(fileOf))];
  // Canaries in the style of the runner the command uses (node:test, or mocha, jest ...
  // as the task factory detects it from the repository; grade/canary-runners.ts).
  const present = targets.filter((f) => f in spec.testFiles);
  const canaries =
    options.canaries === false
      ? undefined
      : isNodeTest(spec.testCmd)
        ? addCanaries(spec.testFiles, present)
        : otherRunnerCanaries(spec, present);
  const base = await mkdtemp(join(options.workDir ?? tmpdir(), 'loopsmith-grade-'));
  try {
    const root = join(await realpath(base), 'repo');
    // A directory made a moment ago by mkdtemp, where nothing has run yet: no link can be
    // planted in it, so the plain (parallel) writes are safe here.
    await writeFiles(root, { ...copy.files, ...(canaries?.files ?? spec.testFiles) });
    await linkDeps(root, spec.deps);
    const box = options.makeSandbox ? options.makeSandbox(root) : createSandbox(sandbox.kind, root);
    const run = await runner.run(box, spec.testCmd, { timeoutMs: options.timeoutMs });
    const integrity = 'integrity' in run ? (run.integrity as RunIntegrity) : undefined;
    const defences = ['clean_copy', 'diff_audit'];
    if (canaries) defences.push('canaries');
    if (integrity?.frozen) defences.push('frozen_builtins');
    if (integrity?.nodeTest || integrity?.sealed) defences.push('signed_reporter', 'cross_check');
    const grade = decide(run, spec.failToPass, spec.passToPass, {
      canaries,
      integrity,
      suspicious,
      discarded: copy.discarded,
      defences,
    });
    return { grade, run };
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

function otherRunnerCanaries(spec: GradeSpec, targets: string[]): Canaries | undefined {
  let runner: string;
  try {
    runner = detectRunner(spec.repoFiles ?? spec.startFiles ?? {}, spec.testCmd).runner;
  } catch {
    return undefined;
  }
  if (runner === 'node:test') return undefined;
  return addRunnerCanaries(runner as RunnerName, spec.testFiles, targets);
}

export interface RewardOptions {
  /** Reward subtracted per 1,000 tokens (prompt + completion). @default 0 (resolved 1/0 only) */
  tokenCostPer1k: number;
  /** The token cost never takes more than this from a resolved run. @default 0.5 */
  maxTokenPenalty: number;
  /**
   * Reward of a `suspicious` run (its tests passed, the diff audit flagged it); the token
   * cost does not apply. Tampered runs always get 0. @default 0
   */
  suspiciousReward: number;
}

export const DEFAULT_REWARD_OPTIONS: RewardOptions = {
  tokenCostPer1k: 0,
  maxTokenPenalty: 0.5,
  suspiciousReward: 0,
};

export interface Reward {
  reward: number;
  resolved: 0 | 1;
  tokenPenalty: number;
  totalTokens: number;
}

/** Reward of a graded rollout: 1/0 for resolved, minus an optional capped token cost (resolved runs only). */
export function computeReward(
  grade: Grade,
  totalTokens: number,
  opts: Partial<RewardOptions> = {},
): Reward {
  const o = { ...DEFAULT_REWARD_OPTIONS, ...opts };
  if (!(o.tokenCostPer1k >= 0) || !(o.maxTokenPenalty >= 0))
    throw new Error('reward: tokenCostPer1k and maxTokenPenalty must be >= 0');
  if (!(o.suspiciousReward >= 0 && o.suspiciousReward <= 1))
    throw new Error('reward: suspiciousReward must be between 0 and 1');
  if (grade.verdict === 'suspicious')
    return { reward: o.suspiciousReward, resolved: 0, tokenPenalty: 0, totalTokens };
  const resolved = grade.resolved ? 1 : 0;
  // Penalizing failed runs for tokens would reward giving up early; only solutions pay.
  const tokenPenalty = resolved
    ? Math.min(o.maxTokenPenalty, (totalTokens / 1000) * o.tokenCostPer1k)
    : 0;
  return { reward: resolved - tokenPenalty, resolved, tokenPenalty, totalTokens };
}

// Validation by execution: a candidate bug becomes a task only when its tests say so.
// Reference run once per repo; per candidate: run the tests that can see the change, then a
// second, full run that must agree (F2P stable) and gives the exact pass-to-pass set. Suites
// with cheap runs (a warm process) stop the first run at its first failing test instead and
// re-run the full run's F2P alone for stability: see `bails`.
import type { BugCandidate, TestRunResult, TestStatus, TextEdit } from './types.js';

/** Test results plus load errors per test file (a file that failed to load has no test entries). */
export type SuiteResult = TestRunResult & { fileErrors?: Record<string, string> };

/** Something that runs a repository's tests with some files replaced. */
/** How one run goes. */
export interface RunOptions {
  /** Stop at the first failing test (the other selected tests may not run). @default false */
  bail?: boolean;
}

export interface SuiteRunner {
  /** Runs the tests; `only` restricts to those ids when the runner supports it (null = all). */
  run(
    overrides: Record<string, string>,
    only: Set<string> | null,
    options?: RunOptions,
  ): Promise<SuiteResult>;
  /**
   * Runs are cheap (a warm process): a candidate with known covering tests first runs them
   * only until one fails; a survivor still runs them all. Then the full run gives F2P and
   * P2P, and F2P alone runs once more (stable: failing in both). One short run replaces the
   * covering tests run to the end. Applied only with LOOPSMITH_BAIL=1. @default false
   */
  readonly bails?: boolean;
  /** Test ids that execute the edited code, or null when unknown (then every test runs). */
  covering?(file: string, edits: TextEdit[]): Set<string> | null;
  /**
   * Whether all test files share one module state (one mocha process): then a confirming
   * run covers the whole suite, not just the files holding covering tests. @default false
   */
  readonly sharedState?: boolean;
  /** The kept task's confirming run is the whole suite even when tests were selected. */
  readonly confirmAll?: boolean;
}

export type DropReason =
  | 'identity' // the edits leave the text unchanged
  | 'overlap' // edits of several bugs overlap
  | 'uncovered' // no test executes the changed code
  | 'equivalent' // tests run but none changes outcome
  | 'timeout'
  | 'invalid' // nothing could be parsed from the run
  | 'flaky' // the second run disagrees on F2P
  | 'no_p2p';

export type Validation =
  | {
      ok: true;
      failToPass: string[];
      passToPass: string[];
      /** First failure message per F2P test (from the buggy run). */
      failures: Record<string, string>;
      /** The buggy contents of each changed file. */
      buggyFiles: Record<string, string>;
    }
  | { ok: false; reason: DropReason; detail?: string };

/** The clean repository's outcome, run once per repo. */
export interface Reference {
  tests: Record<string, TestStatus>;
  /** Tests that pass on the clean repo (the only F2P/P2P candidates). */
  pass: Set<string>;
}

/** Runs the clean repo's tests; throws when the reference itself is unusable. */
export async function referenceRun(suite: SuiteRunner): Promise<Reference> {
  const r = await suite.run({}, null);
  if (r.timedOut) throw new Error('reference run timed out');
  if (r.invalid) throw new Error('reference run produced no parseable test results');
  const pass = new Set(Object.keys(r.tests).filter((id) => r.tests[id] === 'pass'));
  if (pass.size === 0) throw new Error('no test passes on the clean repository');
  return { tests: r.tests, pass };
}

/** Splices edits (offsets into the original text) into a source; throws on overlapping edits. */
export function spliceEdits(source: string, edits: TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = source;
  let floor = Number.POSITIVE_INFINITY;
  for (const e of sorted) {
    if (e.start < 0 || e.end < e.start || e.end > source.length) {
      throw new Error(`edit [${e.start}, ${e.end}) is outside the file (length ${source.length})`);
    }
    if (e.end > floor) throw new Error(`edits overlap at offset ${e.end}`);
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
    floor = e.start;
  }
  return out;
}

/** Buggy file contents for a set of bugs (edits grouped per file). */
export function buggyFiles(
  files: Record<string, string>,
  bugs: BugCandidate[],
): Record<string, string> {
  const byFile = new Map<string, TextEdit[]>();
  for (const b of bugs) {
    if (!(b.file in files))
      throw new Error(`bug targets ${b.file}, which is not in the repository`);
    byFile.set(b.file, [...(byFile.get(b.file) ?? []), ...b.edits]);
  }
  const out: Record<string, string> = {};
  for (const [file, edits] of byFile) out[file] = spliceEdits(files[file], edits);
  return out;
}

function selection(suite: SuiteRunner, bugs: BugCandidate[]): Set<string> | null {
  if (!suite.covering) return null;
  const all = new Set<string>();
  for (const b of bugs) {
    const s = suite.covering(b.file, b.edits);
    if (s === null) return null;
    for (const id of s) all.add(id);
  }
  return all;
}

function failed(r: SuiteResult, id: string): boolean {
  const s = r.tests[id];
  if (s !== undefined) return s !== 'pass';
  // A test that vanished because its file failed to load counts as failing.
  const file = id.slice(0, id.indexOf(' > '));
  return Boolean(r.fileErrors?.[file]);
}

function failureOf(r: SuiteResult, id: string): string {
  if (r.failures[id]) return r.failures[id];
  const file = id.slice(0, id.indexOf(' > '));
  return r.fileErrors?.[file] ? `test file failed to load: ${r.fileErrors[file]}` : 'test failed';
}

function fileOf(id: string): string {
  return id.slice(0, id.indexOf(' > '));
}

/** Every test id whose file holds one of `ids`. */
function sameFiles(all: string[], ids: Set<string>): Set<string> {
  const files = new Set([...ids].map(fileOf));
  return new Set(all.filter((id) => files.has(fileOf(id))));
}

/** Validates one candidate task (one bug, or several combined) against the reference. */
export async function validate(
  suite: SuiteRunner,
  ref: Reference,
  files: Record<string, string>,
  bugs: BugCandidate[],
): Promise<Validation> {
  let changed: Record<string, string>;
  try {
    changed = buggyFiles(files, bugs);
  } catch (e) {
    return { ok: false, reason: 'overlap', detail: (e as Error).message };
  }
  if (Object.entries(changed).every(([p, c]) => files[p] === c))
    return { ok: false, reason: 'identity' };
  const only = selection(suite, bugs);
  if (only !== null && only.size === 0) return { ok: false, reason: 'uncovered' };

  const confirm =
    only === null || suite.sharedState || suite.confirmAll
      ? null
      : sameFiles(Object.keys(ref.tests), only);
  const ran = (id: string) => confirm === null || confirm.has(id);
  // A fresh-loaded candidate (no coverage) pays for every run's reload: no third run then.
  // Off unless LOOPSMITH_BAIL=1: measured on negotiator it did not pay (the third run's fixed
  // cost ate the shorter first run; dev/LOG.md).
  const bail = suite.bails === true && only !== null && process.env.LOOPSMITH_BAIL === '1';
  const first = await suite.run(changed, only, { bail });
  if (first.timedOut) return { ok: false, reason: 'timeout' };
  const candidates = only ?? ref.pass;
  const f2p = [...candidates].filter((id) => ref.pass.has(id) && failed(first, id));
  if (f2p.length === 0) {
    if (first.invalid && !first.fileErrors) return { ok: false, reason: 'invalid' };
    return { ok: false, reason: 'equivalent' };
  }

  // The second run checks that F2P is stable and yields the exact P2P set. It covers every
  // test file that holds a covering test: module state is per test file (as under
  // node --test), so tests in other files never execute the change and keep their
  // reference outcome.
  const second = await suite.run(changed, confirm);
  if (second.timedOut) return { ok: false, reason: 'timeout' };
  const f2p2 = [...ref.pass].filter((id) => ran(id) && failed(second, id));
  let verdict = first;
  if (bail) {
    // The bailed run saw the first failures only: they must be among the full run's F2P,
    // and the full run's F2P must fail again on its own.
    if (!f2p.every((id) => f2p2.includes(id)))
      return { ok: false, reason: 'flaky', detail: `F2P ${f2p.length} then ${f2p2.length}` };
    const third = await suite.run(changed, new Set(f2p2));
    if (third.timedOut) return { ok: false, reason: 'timeout' };
    const again = f2p2.filter((id) => failed(third, id));
    if (again.length !== f2p2.length)
      return { ok: false, reason: 'flaky', detail: `F2P ${f2p2.length} then ${again.length}` };
    f2p.splice(0, f2p.length, ...f2p2);
    verdict = second;
  } else if (f2p2.length !== f2p.length || !f2p.every((id) => f2p2.includes(id))) {
    return { ok: false, reason: 'flaky', detail: `F2P ${f2p.length} then ${f2p2.length}` };
  }
  const p2p = [...ref.pass].filter((id) => (ran(id) ? second.tests[id] === 'pass' : true));
  if (p2p.length === 0) return { ok: false, reason: 'no_p2p' };
  const failures: Record<string, string> = {};
  for (const id of f2p) failures[id] = failureOf(verdict, id);
  return {
    ok: true,
    failToPass: f2p.sort(),
    passToPass: p2p.sort(),
    failures,
    buggyFiles: changed,
  };
}

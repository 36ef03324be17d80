// Turns a validated bug set into a Task: statement style, visible tests, statement, features,
// difficulty and stage (the writing and scoring are helper A's: statements.ts, difficulty.ts).
import { difficulty, stageOf, taskFeatures } from '../difficulty.js';
import type { CallGraph } from '../mutate/callgraph.js';
import type { Rng } from '../rng.js';
import { makeStatement, type StatementStyle } from '../statements.js';
import type { BugCandidate, RepoSnapshot, Task, TaskFamily } from '../types.js';
import type { Validation } from '../validate.js';

export interface DescribeInput {
  repo: RepoSnapshot;
  bugs: BugCandidate[];
  family: TaskFamily;
  validation: Extract<Validation, { ok: true }>;
  /** Content id (the patch hash). */
  id: string;
  split: 'train' | 'eval';
  graph: CallGraph;
  rng: Rng;
}

// Clear styles dominate; terse and test-name-only statements make the vaguer tasks.
const STYLE_WEIGHTS: [StatementStyle, number][] = [
  ['issue', 0.4],
  ['ci_log', 0.25],
  ['test_names', 0.2],
  ['terse', 0.15],
];

/** A generator's hidden test file (src/tasks/synth: `hiddenCases`). */
export const isHiddenTestFile = (f: string) => /\.hidden\.test\.[cm]?[jt]s$/.test(f);

/** The test command as the agent is told it: hidden test files left out. */
export function withoutHiddenFiles(cmd: string, testFiles: string[]): string {
  let out = cmd;
  for (const f of testFiles.filter(isHiddenTestFile)) out = out.split(` ${f}`).join('');
  return out;
}

/** Builds the stored Task of a validated candidate. */
export function describeTask(input: DescribeInput): Task {
  const { repo, bugs, family, validation: v, rng } = input;
  const style = rng.weighted(STYLE_WEIGHTS);
  const failingFiles = new Set(v.failToPass.map((id) => id.slice(0, id.indexOf(' > '))));
  // A single direct bug with a clear statement shows its failing test; otherwise the tests
  // that fail stay hidden until grading and the agent works from the statement.
  const showFailing = family === 'bugfix' && style !== 'terse';
  // Generated hidden test files (fresh inputs for the same behaviour) are never shown.
  const visibleTests = repo.testFiles.filter(
    (f) => !isHiddenTestFile(f) && (showFailing || !failingFiles.has(f)),
  );
  // The statement and the task's features come from the tests the agent could observe: a
  // hidden test's name carries its inputs, its failure message the expected value.
  const observable = v.failToPass.filter((id) => !isHiddenTestFile(id.slice(0, id.indexOf(' > '))));
  if (observable.length === 0)
    throw new Error('describeTask: every failing test is hidden (the bug cannot be observed)');
  const statement = makeStatement(
    {
      failing: observable,
      failures: v.failures,
      visibleTests,
      bugs,
      family,
      testCmd: withoutHiddenFiles(repo.testCmd, repo.testFiles),
    },
    style,
    rng,
  );
  const features = taskFeatures({
    family,
    bugs,
    failing: observable,
    statementStyle: style,
    repo,
    graph: input.graph,
  });
  return {
    id: input.id,
    repoId: repo.repoId,
    family,
    stage: stageOf(features),
    split: input.split,
    bugs,
    bugPatch: '',
    goldPatch: '',
    failToPass: v.failToPass,
    passToPass: v.passToPass,
    statement,
    statementStyle: style,
    visibleTests,
    features,
    difficulty: difficulty(features),
    testCmd: repo.testCmd,
    createdAt: new Date().toISOString(),
  };
}

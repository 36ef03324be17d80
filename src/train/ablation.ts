// The pipeline's ablations, each a pair of mid2 runs from the same sft checkpoint with the
// same steps, batch and context (the same token budget), evaluated greedy on the same
// held-out tasks and compared paired (McNemar, bootstrap, token ratio):
//   format:     (A) the harness's own trajectories  vs  (B) the same solutions as issue + files -> diff
//   curriculum: stage-1 then stage-2 tasks            vs  both stages shuffled together
import { join } from 'node:path';
import { type Comparison, compareRuns } from '../eval/compare.js';
import type { EvalMetrics } from '../eval/metrics.js';
import { readEvalRun } from '../eval/run.js';
import type { LoadedSuite } from '../eval/suite.js';
import { readRecords } from '../gym/rollout.js';
import { loadGymTasks } from '../gym/tasks-source.js';
import { runMid2 } from './mid2.js';
import { writeOfflineRun } from './offline-format.js';
import type { PipelineOptions } from './pipeline.js';
import { type Preset, stageSteps } from './presets.js';
import { type ProbeSummary, probeCached } from './probe.js';

export interface AblationResult {
  ablation: 'format' | 'curriculum';
  suite: 's1' | 's2';
  comparison: Comparison;
  /** Held-out teacher turns each arm reproduced (src/train/probe.ts), when the pipeline probes. */
  probe?: { a: ProbeSummary; b: ProbeSummary } | null;
}

type EvalOf = (
  stage: string,
  ckpt: string,
  which: 's1' | 's2',
  suite: LoadedSuite,
) => Promise<EvalMetrics>;
type Timed = <T>(name: string, fn: () => Promise<T> | T) => Promise<T>;

/** Runs the ablations named in `o.ablations` (each step resumable) and returns their comparisons. */
export async function runAblations(
  o: PipelineOptions,
  P: Preset,
  t: (name: string) => string,
  excl: string[],
  suites: { s1: LoadedSuite; s2: LoadedSuite },
  evalOf: EvalOf,
  timed: Timed,
): Promise<AblationResult[]> {
  const out: AblationResult[] = [];
  const log = o.log;
  type Arm = [name: string, ckpt: string];
  /** Evaluates both arms on `suite` (resumable eval runs) and compares them paired. */
  const cmp = async (ablation: AblationResult['ablation'], suite: 's1' | 's2', A: Arm, B: Arm) => {
    const [a, b] = [A[0], B[0]];
    await evalOf(a, A[1], suite, suites[suite]);
    await evalOf(b, B[1], suite, suites[suite]);
    const c = compareRuns(
      await readEvalRun(t(`eval/${a}-${suite}`)),
      await readEvalRun(t(`eval/${b}-${suite}`)),
    );
    // The probe replays stage-1 teacher episodes: one measure per arm, shown on its s1 row.
    const runs = P.probeTasks > 0 && suite === 's1' ? [t('teacher-probe')] : [];
    const probe =
      runs.length > 0
        ? {
            a: await probeCached(A[1], runs, P.probeTasks, t(`eval/${a}-probe.json`)),
            b: await probeCached(B[1], runs, P.probeTasks, t(`eval/${b}-probe.json`)),
          }
        : null;
    out.push({ ablation, suite, comparison: c, probe });
    log(
      `ablation ${ablation} ${suite}: ${a} ${c.resolved_a}/${c.tasks} vs ${b} ${c.resolved_b}/${c.tasks}, McNemar p ${c.mcnemar.p}, token ratio ${c.token_ratio}`,
    );
  };
  const abl = o.ablations ?? [];
  if (abl.includes('format')) {
    await timed('ablation format', async () => {
      const gts = await loadGymTasks(t('tasks-s1.db'), { split: 'train' });
      await writeOfflineRun(
        await readRecords(t('teacher-s1')),
        new Map(gts.map((g) => [g.task.id, g])),
        t('teacher-s1-offline'),
      );
      runMid2(
        {
          from: t('sft'),
          out: t('mid2-1-formatB'),
          ...stageSteps(P.mid2.s1),
          phase: 1,
          runs: [t('teacher-s1-offline')],
          tasks: t('tasks-s1.db'),
          excludeRepos: excl,
        },
        log,
      );
    });
    await cmp(
      'format',
      's1',
      ['mid2.1', join(t('mid2-1'), 'ckpt')],
      ['mid2.1-formatB', join(t('mid2-1-formatB'), 'ckpt')],
    );
  }
  if (abl.includes('curriculum')) {
    await timed('ablation curriculum', () => {
      runMid2(
        {
          from: t('mid2-1'),
          out: t('mid2-2-ordered'),
          ...stageSteps(P.mid2.s2),
          phase: 2,
          runs: [t('teacher-s2')],
          tasks: t('tasks-s2.db'),
          excludeRepos: excl,
        },
        log,
      );
      const both = { ...P.mid2.s1, steps: P.mid2.s1.steps + P.mid2.s2.steps };
      runMid2(
        {
          from: t('sft'),
          out: t('mid2-shuffled'),
          ...stageSteps(both),
          phase: 0,
          runs: [t('teacher-s1'), t('teacher-s2')],
          tasks: [t('tasks-s1.db'), t('tasks-s2.db')],
          excludeRepos: excl,
        },
        log,
      );
    });
    for (const s of ['s1', 's2'] as const)
      await cmp(
        'curriculum',
        s,
        ['mid2-ordered', join(t('mid2-2-ordered'), 'ckpt')],
        ['mid2-shuffled', join(t('mid2-shuffled'), 'ckpt')],
      );
  }
  return out;
}

/** The ablation table, as markdown ('' when none ran). */
export function ablationMarkdown(rows: AblationResult[]): string {
  if (rows.length === 0) return '';
  const pct = (k: number, n: number) => `${((100 * k) / Math.max(1, n)).toFixed(1)}% (${k}/${n})`;
  return [
    '## Ablations (paired on the same held-out tasks, greedy)',
    '',
    '| ablation | suite | A | B | A resolved | B resolved | A - B (95% CI) | McNemar p | tokens B/A | turn match A / B |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      ({ ablation, suite, comparison: c, probe }) =>
        `| ${ablation} | ${suite} (${c.tasks} tasks, ${c.repos} repos) | ${c.a} | ${c.b} | ${pct(c.resolved_a, c.tasks)} | ${pct(c.resolved_b, c.tasks)} | ${(100 * c.diff).toFixed(1)} (${(100 * c.diff_ci95[0]).toFixed(1)} to ${(100 * c.diff_ci95[1]).toFixed(1)}) | ${c.mcnemar.p} | ${c.token_ratio ?? '-'} | ${probe ? `${pct(probe.a.exact, probe.a.turns)} / ${pct(probe.b.exact, probe.b.turns)}` : '-'} |`,
    ),
    '',
  ].join('\n');
}

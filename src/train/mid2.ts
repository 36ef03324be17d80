// Stage 4 of the recipe (mid2): agentic trajectories solved inside the harness, assistant-only
// loss, one curriculum phase per run: phase 1 on stage-1 tasks, then phase 2 (from phase 1's
// checkpoint) on stage-2 tasks. Only train-split tasks count; a record of an eval-split task
// or of an excluded repository is refused and counted, never trained on.
import { labelConversations, readRuns, recordConversations } from './chats.js';
import { conversationData, type KeyedConversation, taskIndex } from './conv-data.js';
import { readDagger } from './dagger.js';
import type { OverflowPolicy } from './packing.js';
import {
  runTraining,
  StageInputError,
  type StageResult,
  TRAIN_DEFAULTS,
  type TrainConfig,
} from './stage.js';

export interface Mid2Config extends TrainConfig {
  /** Rollout run directories (teacher-led and student-led episodes with teacher labels). */
  runs: string[];
  /** The task store the runs came from. */
  tasks: string | string[];
  /** Curriculum phase: keep tasks of this stage (0 = both, shuffled together). @default 1 */
  phase: 0 | 1 | 2;
  /** Keep resolved rollouts only (rejection sampling). @default true */
  onlyResolved: boolean;
  /** Repository ids never to train on (an eval store's). @default [] */
  excludeRepos: string[];
  /** Share of rows that are induction drills (they keep the copying heads trained). @default 0 */
  drillFraction: number;
  /** Of the drill rows, the share that copy inside a real row (conv-data.ts). @default 0.5 */
  realCopyFraction: number;
  /** @default 'cut' */
  overflow: OverflowPolicy;
  /** DAgger directories (student-led episodes with the expert's labels). @default [] */
  dagger: string[];
}

/** Runs one mid2 phase. */
export function runMid2(
  cfg: Partial<Mid2Config> & Pick<Mid2Config, 'from' | 'out' | 'runs' | 'tasks'>,
  log?: (l: string) => void,
  stopAfter?: number,
): StageResult {
  const c: Mid2Config = {
    ...TRAIN_DEFAULTS,
    phase: 1,
    onlyResolved: true,
    excludeRepos: [],
    overflow: 'cut',
    drillFraction: 0,
    realCopyFraction: 0.5,
    dagger: [],
    ...cfg,
  };
  const index = taskIndex(c.tasks);
  const excl = new Set(c.excludeRepos);
  let refused = 0;
  let unresolved = 0;
  const records = readRuns(c.runs).filter((r) => {
    const t = index.get(r.taskId);
    if (!t) throw new StageInputError(`${r.taskId}: a rollout of a task that is not in ${c.tasks}`);
    if (t.split !== 'train' || excl.has(t.repoId)) {
      refused++;
      return false;
    }
    if (c.phase !== 0 && t.stage !== c.phase) return false;
    if (c.onlyResolved && !r.grade.resolved) {
      unresolved++;
      return false;
    }
    return true;
  });
  const dagger = c.dagger.flatMap(readDagger).filter((r) => {
    const t = index.get(r.taskId);
    if (t?.split !== 'train' || excl.has(t.repoId)) {
      refused++;
      return false;
    }
    return c.phase === 0 || t.stage === c.phase;
  });
  if (records.length === 0 && dagger.length === 0)
    throw new StageInputError(`mid2 phase ${c.phase}: no usable rollouts in ${c.runs.join(', ')}`);
  return runTraining({
    stage: 'mid2',
    cfg: c,
    log,
    stopAfter,
    data: (m) => {
      const T = Math.min(c.seq, m.config.maxSeqLen);
      const convs: KeyedConversation[] = recordConversations(records, m.tokenizer, 'assistant');
      for (const r of dagger)
        labelConversations(r.trajectory, r.labels, m.tokenizer).forEach((conv, i) => {
          convs.push({ key: `dagger:${r.taskId}:${i}`, ...conv });
        });
      const d = conversationData(m, convs, T, {
        overflow: c.overflow,
        drillFraction: c.drillFraction,
        realCopyFraction: c.realCopyFraction,
      });
      const tasks = new Set(records.map((r) => r.taskId));
      return {
        ...d,
        info: {
          ...d.info,
          phase: c.phase,
          rollouts: records.length,
          tasks: tasks.size,
          repos: new Set([...tasks].map((t) => index.get(t)?.repoId)).size,
          refused_eval_or_excluded: refused,
          dagger_episodes: dagger.length,
          dagger_labels: dagger.reduce((a, r) => a + Object.keys(r.labels).length, 0),
          skipped_unresolved: unresolved,
        },
      };
    },
  });
}

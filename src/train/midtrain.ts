// Stage 2 of the recipe: harness transcripts (teacher rollouts rendered by the one chat
// template, every token learned: the template, the tool-call syntax and what tools answer)
// mixed with code windows at a stated ratio so the code of pretraining is not forgotten.

import { readRuns, recordConversations } from './chats.js';
import { conversationData, type KeyedConversation, taskIndex } from './conv-data.js';
import { buildCorpus, CORPUS_DEFAULTS, type CorpusSpec } from './corpus.js';
import type { OverflowPolicy } from './packing.js';
import { docStream } from './pretrain.js';
import {
  runTraining,
  StageInputError,
  type StageResult,
  TRAIN_DEFAULTS,
  type TrainConfig,
} from './stage.js';

export interface MidtrainConfig extends TrainConfig {
  /** Teacher rollout run directories. */
  runs: string[];
  /** The task store the runs came from (splits are checked against it). */
  tasks: string;
  /** Code mixed in (the pretraining corpus spec). */
  corpus: Partial<CorpusSpec> & Pick<CorpusSpec, 'synthSeeds'>;
  /** Share of rows that are code. @default 0.3 */
  codeFraction: number;
  /** @default 'cut' */
  /** Share of rows that are induction drills (they keep the copying heads trained). @default 0 */
  drillFraction: number;
  overflow: OverflowPolicy;
}

/** Runs the midtrain stage. */
export function runMidtrain(
  cfg: Partial<MidtrainConfig> & Pick<MidtrainConfig, 'from' | 'out' | 'runs' | 'tasks' | 'corpus'>,
  log?: (l: string) => void,
  stopAfter?: number,
): StageResult {
  const c: MidtrainConfig = {
    ...TRAIN_DEFAULTS,
    drillFraction: 0,
    codeFraction: 0.3,
    overflow: 'cut',
    ...cfg,
  };
  const index = taskIndex(c.tasks);
  const excl = new Set(c.corpus.excludeRepos ?? []);
  const records = readRuns(c.runs).filter((r) => {
    const t = index.get(r.taskId);
    if (!t) throw new StageInputError(`${r.taskId}: a rollout of a task that is not in ${c.tasks}`);
    return t.split === 'train' && !excl.has(t.repoId);
  });
  return runTraining({
    stage: 'midtrain',
    cfg: c,
    log,
    stopAfter,
    data: (m) => {
      const T = Math.min(c.seq, m.config.maxSeqLen);
      const convs: KeyedConversation[] = recordConversations(records, m.tokenizer, 'all');
      const corpus = buildCorpus({ ...CORPUS_DEFAULTS, ...c.corpus });
      const d = conversationData(m, convs, T, {
        overflow: c.overflow,
        drillFraction: c.drillFraction,
        codeFraction: c.codeFraction,
        code: docStream(m, corpus.train),
      });
      return {
        ...d,
        info: {
          ...d.info,
          rollouts: records.length,
          repos: new Set(records.map((r) => index.get(r.taskId)?.repoId)).size,
        },
      };
    },
  });
}

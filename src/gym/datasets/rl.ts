// RL groups: the n rollouts of each task with rewards and leave-one-out advantages
// (advantage = reward - mean of the other rollouts' rewards, RLOO). Rollouts cut by a limit
// carry `mask: true` so trainers leave them out of the loss; groups whose rewards are all
// equal give no signal and are flagged.
import { segments } from '../../harness/trajectory.js';
import type { RolloutRecord } from '../rollout.js';

export interface RlSample {
  k: number;
  seed: number;
  reward: number;
  resolved: boolean;
  advantage: number;
  /** Cut by a turn, token or time limit: do not train on it. */
  mask: boolean;
  status: string;
  messages: RolloutRecord['trajectory']['messages'];
  /** Per assistant turn, exact ids and logprobs when the model reported them. */
  tokens: SampleTokens[];
  /**
   * Compacted rollouts only: every segment (the history before each compaction, then the
   * last), each with its own turns' tokens; `messages` and `tokens` above are the last one.
   */
  segments?: { messages: RlSample['messages']; tokens: SampleTokens[] }[];
}

interface SampleTokens {
  messageIndex: number;
  promptIds: number[];
  completionIds: number[];
  logprobs?: number[];
}

const tokensOf = (turns: RolloutRecord['trajectory']['turns']): SampleTokens[] =>
  turns
    .filter((t) => t.tokens)
    .map((t) => ({ messageIndex: t.messageIndex, ...(t.tokens as NonNullable<typeof t.tokens>) }));

export interface RlGroup {
  task_id: string;
  stage: number;
  tools: RolloutRecord['trajectory']['tools'];
  rewards: number[];
  mean_reward: number;
  /** All rewards equal: the group gives no gradient signal. */
  uniform: boolean;
  samples: RlSample[];
}

/** Leave-one-out advantages: r_i - mean(r_j, j != i); zeros for a group of one. */
export function looAdvantages(rewards: number[]): number[] {
  const n = rewards.length;
  if (n < 2) return rewards.map(() => 0);
  const total = rewards.reduce((a, b) => a + b, 0);
  return rewards.map((r) => r - (total - r) / (n - 1));
}

/** Groups records by task (sorted by task id, then k). */
export function rlGroups(records: RolloutRecord[]): RlGroup[] {
  const by = new Map<string, RolloutRecord[]>();
  for (const r of records) by.set(r.taskId, [...(by.get(r.taskId) ?? []), r]);
  return [...by.keys()].sort().map((taskId) => {
    const recs = (by.get(taskId) as RolloutRecord[]).sort((a, b) => a.k - b.k);
    const rewards = recs.map((r) => r.reward.reward);
    const adv = looAdvantages(rewards);
    return {
      task_id: taskId,
      stage: recs[0].stage,
      tools: recs[0].trajectory.tools,
      rewards,
      mean_reward: rewards.reduce((a, b) => a + b, 0) / rewards.length,
      uniform: rewards.every((r) => r === rewards[0]),
      samples: recs.map((r, i) => ({
        k: r.k,
        seed: r.seed,
        reward: r.reward.reward,
        resolved: r.grade.resolved,
        advantage: adv[i],
        mask: r.cutByLimit,
        status: r.status,
        messages: r.trajectory.messages,
        tokens: tokensOf(segments(r.trajectory).at(-1)?.turns ?? []),
        ...(r.trajectory.compactions?.length
          ? {
              segments: segments(r.trajectory).map((s) => ({
                messages: s.messages,
                tokens: tokensOf(s.turns),
              })),
            }
          : {}),
      })),
    };
  });
}

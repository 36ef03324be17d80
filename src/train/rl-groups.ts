// From graded rollouts to what the PG update trains on: per task a group of G rollouts,
// leave-one-out advantages over the rollouts that were not cut by a limit (cut ones are
// masked: neither trained on nor part of the baseline), groups without reward variance
// dropped; each kept rollout becomes token rows merged turn by turn on an exact prefix
// match (the gateway's own merge), sampled tokens trained with their sampling logprobs.

import { looAdvantages } from '../gym/datasets/rl.js';
import type { CallRecord } from '../gym/gateway.js';
import { type RowsReport, rowsOf, type TrainingRow } from '../gym/gateway-rows.js';
import type { Grade } from '../gym/grade.js';
import type { RolloutRecord } from '../gym/rollout.js';
import type { TokenRecord } from '../providers/model.js';

/** Statuses that mean "stopped by a limit", not "failed": masked, not punished. */
const LIMITS = new Set(['turn_limit', 'token_limit', 'time_limit', 'context_limit']);

/** What the RL step needs to know about one graded rollout. */
export interface RlRollout {
  taskId: string;
  k: number;
  reward: number;
  resolved: boolean;
  /** Cut by a turn / token / time / context limit. */
  masked: boolean;
  status: string;
  /** Prompt + completion tokens over all turns (what the token cost charges). */
  totalTokens: number;
  completionTokens: number;
  /** Exact ids per model call, in call order. */
  calls: TokenRecord[];
}

/** A rollout ran out of context when the provider refused the prompt or the session says so. */
export function contextCut(status: string, message: string | undefined): boolean {
  return status === 'error' && /context (is|of|limit)|exceeds maxSeqLen/i.test(message ?? '');
}

/** A grade a defence raised (tampering, suspicious diff): never rewarded in RL. */
export function flagged(g: Grade): boolean {
  return (
    g.verdict === 'tampered' ||
    g.verdict === 'suspicious' ||
    (g.tampered?.length ?? 0) > 0 ||
    (g.suspicious?.length ?? 0) > 0
  );
}

/**
 * What a rollout cut by a limit counts as. `mask`: neither trained nor in the baseline (a
 * long but promising attempt is not punished for its length). `fail`: a failure, reward 0,
 * trained and in the baseline: for a policy whose failures all loop until the turn limit
 * (small mid2.1's do), masking leaves only its successes to compare among themselves, so the
 * group never says "solving beats not solving" (dev/LOG.md "rl-small").
 * Either way a cut rollout the hidden tests resolve counts as the success it is.
 */
export type CutRule = 'mask' | 'fail';

/** Whether a rollout is left out of training and the baseline (see CutRule). */
export function maskedBy(cut: boolean, resolved: boolean, rule: CutRule = 'mask'): boolean {
  return cut && !resolved && rule === 'mask';
}

/** The RL view of a gym rollout record. */
export function fromRecord(rec: RolloutRecord, cut: CutRule = 'mask'): RlRollout {
  const t = rec.trajectory;
  const bad = flagged(rec.grade);
  const resolved = !bad && rec.grade.resolved;
  const isCut = LIMITS.has(rec.status) || rec.cutByLimit || contextCut(rec.status, t.message);
  return {
    taskId: rec.taskId,
    k: rec.k,
    reward: bad ? 0 : rec.reward.reward,
    resolved,
    masked: maskedBy(isCut, resolved, cut),
    status: rec.status,
    totalTokens: rec.usage.totalTokens,
    completionTokens: rec.usage.completionTokens,
    calls: t.turns.filter((x) => x.tokens).map((x) => x.tokens as TokenRecord),
  };
}

export interface RlGroupResult {
  taskId: string;
  rollouts: RlRollout[];
  /** Per rollout (same order); 0 for masked ones. */
  advantages: number[];
  /** Kept: at least two unmasked rollouts with different rewards. */
  kept: boolean;
  /** Why a group was dropped. */
  dropped?: 'no_variance' | 'too_few_unmasked';
}

/** Leave-one-out advantages over the unmasked rollouts of one task's group. */
export function groupAdvantages(rollouts: RlRollout[]): RlGroupResult {
  const live = rollouts.map((r, i) => ({ r, i })).filter((x) => !x.r.masked);
  const advantages = rollouts.map(() => 0);
  const taskId = rollouts[0]?.taskId ?? '';
  if (live.length < 2)
    return { taskId, rollouts, advantages, kept: false, dropped: 'too_few_unmasked' };
  const rewards = live.map((x) => x.r.reward);
  if (rewards.every((r) => r === rewards[0]))
    return { taskId, rollouts, advantages, kept: false, dropped: 'no_variance' };
  const adv = looAdvantages(rewards);
  live.forEach((x, j) => {
    advantages[x.i] = adv[j];
  });
  return { taskId, rollouts, advantages, kept: true };
}

/** Groups rollouts by task (task order of first appearance, k order inside). */
export function buildGroups(rollouts: RlRollout[]): RlGroupResult[] {
  const by = new Map<string, RlRollout[]>();
  for (const r of rollouts) by.set(r.taskId, [...(by.get(r.taskId) ?? []), r]);
  return [...by.values()].map((rs) => groupAdvantages([...rs].sort((a, b) => a.k - b.k)));
}

/** A training row of one rollout: ids, loss mask, sampling logprobs, and its advantage. */
export interface RlRow {
  taskId: string;
  k: number;
  ids: number[];
  /** 1 on sampled tokens, 0 on prompt / tool-output tokens. */
  mask: number[];
  logprobs: number[];
  advantage: number;
}

/** Empty merge report (counts how turns became rows). */
export function emptyReport(): RowsReport {
  return {
    rollouts: 0,
    calls: 0,
    rows: 0,
    merged: 0,
    prefix_mismatches: 0,
    without_tokens: 0,
    open_rollouts: 0,
  };
}

/** A rollout's model calls as rows, merged exactly as the gateway's rows are. */
export function callRows(id: string, calls: TokenRecord[], report: RowsReport): TrainingRow[] {
  const recs: CallRecord[] = calls.map((c, index) => ({
    type: 'call',
    rollout: id,
    index,
    at: '',
    ms: 0,
    status: 200,
    request: {},
    response: null,
    prompt_token_ids: c.promptIds,
    completion_token_ids: c.completionIds,
    ...(c.logprobs ? { logprobs: c.logprobs } : {}),
  }));
  // No reward event here: the advantage, not the reward, goes with the row.
  const rows = rowsOf(id, recs, report);
  report.open_rollouts = 0;
  return rows;
}

/**
 * Rows of every kept, unmasked rollout with a non-zero advantage. `negWeight` scales negative
 * advantages (0: only rollouts better than their group's baseline are trained, as in
 * rejection-sampling fine-tuning; a failing small policy's negatives can unlearn the edit its
 * successes share, dev/LOG.md "rl-small").
 */
export function groupRows(groups: RlGroupResult[], report = emptyReport(), negWeight = 1): RlRow[] {
  const out: RlRow[] = [];
  for (const g of groups) {
    if (!g.kept) continue;
    g.rollouts.forEach((r, i) => {
      const adv = g.advantages[i] < 0 ? g.advantages[i] * negWeight : g.advantages[i];
      if (r.masked || adv === 0) return;
      report.rollouts++;
      for (const row of callRows(`${r.taskId}.${r.k}`, r.calls, report))
        out.push({
          taskId: r.taskId,
          k: r.k,
          ids: row.ids,
          mask: row.mask,
          logprobs: row.logprobs,
          advantage: adv,
        });
    });
  }
  return out;
}

// One metrics.jsonl line per RL step: the fields every stage writes (stage, step, tokens,
// train_loss, lr, tokens_per_s, elapsed_s) plus the RL figures, a pure function of the
// step's rollout records, groups and update.
import type { RowsReport } from '../gym/gateway-rows.js';
import type { RolloutRecord } from '../gym/rollout.js';
import type { RlGroupResult } from './rl-groups.js';
import type { UpdateStats } from './rl-update.js';

export interface StepFigures {
  stage: 'rl';
  step: number;
  /** Trained (sampled, unmasked, advantage != 0) tokens so far; set by the loop. */
  tokens: number;
  train_loss: number;
  lr: number;
  /** Sampled completion tokens per second of generation. */
  tokens_per_s: number;
  elapsed_s: number;
  tasks: string[];
  rollouts: number;
  reward_mean: number;
  resolved_rate: number;
  /** Prompt + completion tokens per rollout (what the token cost charges). */
  tokens_per_rollout: number;
  tokens_per_resolved: number | null;
  completion_tokens_per_rollout: number;
  groups_kept: number;
  groups_dropped: number;
  /** Rollouts cut by a turn / token / time / context limit (not trained on). */
  masked: number;
  /** Rows trained and how turns merged into them. */
  rows: number;
  prefix_mismatches: number;
  trained_tokens: number;
  clip_frac: number;
  ratio_mean: number;
  approx_kl: number;
  /** Mean k3 KL(policy || start checkpoint) per trained token (0 without --kl). */
  ref_kl: number;
  grad_norm: number;
  /** Seconds summed over rollouts: waiting for the model, sandbox (tools, tests, workspace), loop. */
  gen_s: number;
  sandbox_s: number;
  harness_s: number;
  /** Wall seconds of the step's rollouts (concurrent), of the update, of the whole step. */
  rollout_wall_s: number;
  update_s: number;
  step_s: number;
  aside_always: number;
  aside_never: number;
  /** Tasks of the step whose group started after the teacher's turns. */
  teacher_started: number;
  heldout_resolved?: number;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
const s1 = (ms: number) => Math.round(ms / 100) / 10;

/** The figures of one step. */
export function stepFigures(
  step: number,
  recs: RolloutRecord[],
  groups: RlGroupResult[],
  u: UpdateStats,
  report: RowsReport,
  extra: {
    rolloutWallMs: number;
    aside: { always: number; never: number };
    teacherStarted?: number;
  },
): StepFigures {
  const flat = groups.flatMap((g) => g.rollouts);
  const resolved = flat.filter((r) => r.resolved);
  const sumT = (f: (r: RolloutRecord) => number) => recs.reduce((a, r) => a + f(r), 0);
  const genMs = sumT((r) => r.timings.modelMs);
  const completion = sumT((r) => r.usage.completionTokens);
  return {
    stage: 'rl',
    step,
    tokens: 0,
    train_loss: r4(u.loss),
    lr: u.lr,
    tokens_per_s: genMs > 0 ? Math.round((completion * 1000) / genMs) : 0,
    elapsed_s: 0,
    tasks: groups.map((g) => g.taskId),
    rollouts: flat.length,
    reward_mean: r4(mean(flat.map((r) => r.reward))),
    resolved_rate: r4(flat.length ? resolved.length / flat.length : 0),
    tokens_per_rollout: Math.round(mean(flat.map((r) => r.totalTokens))),
    tokens_per_resolved: resolved.length
      ? Math.round(mean(resolved.map((r) => r.totalTokens)))
      : null,
    completion_tokens_per_rollout: Math.round(mean(flat.map((r) => r.completionTokens))),
    groups_kept: groups.filter((g) => g.kept).length,
    groups_dropped: groups.filter((g) => !g.kept).length,
    masked: flat.filter((r) => r.masked).length,
    rows: report.rows,
    prefix_mismatches: report.prefix_mismatches,
    trained_tokens: u.tokens,
    clip_frac: r4(u.clipFrac),
    ratio_mean: r4(u.ratioMean),
    approx_kl: r4(u.approxKl),
    ref_kl: r4(u.refKl),
    grad_norm: r4(u.gradNorm),
    gen_s: s1(genMs),
    sandbox_s: s1(sumT((r) => r.timings.toolMs + r.timings.gradeMs + r.timings.materializeMs)),
    harness_s: s1(sumT((r) => r.timings.harnessMs)),
    rollout_wall_s: s1(extra.rolloutWallMs),
    update_s: s1(u.ms),
    step_s: 0,
    aside_always: extra.aside.always,
    aside_never: extra.aside.never,
    teacher_started: extra.teacherStarted ?? 0,
  };
}

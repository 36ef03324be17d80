// Policy-gradient loss for RL on sampled tokens: clipped importance ratio against the
// sampler's logprobs (PPO/GRPO style, clip-higher), per-token advantages that may be negative.
//
//   L = (1/N) sum_i m_i * -min(r_i A_i, clip(r_i, 1-lo, 1+hi) A_i),  r_i = exp(logp_i - old_i)
//
// dL/dlogp_i is -A_i r_i where the unclipped term is the minimum, else 0, and
// dlogp/dlogits = onehot - softmax; so the gradient is exactly that of a weighted
// cross-entropy with weight A_i r_i on the active tokens. The existing fused backward does
// the rest: this file only turns (advantage, old logprob) into those weights.
//
// Optional anchor to a reference policy (the RL start), the k3 estimator of KL(pi || ref) on
// each trained token: beta * (e^(ref_i - logp_i) - (ref_i - logp_i) - 1), whose
// dL/dlogp_i = beta * (1 - e^(ref_i - logp_i)): the cross-entropy weight gains
// beta * (e^(ref_i - logp_i) - 1), clipped or not (the anchor holds either way).
import type { Acts } from './acts.js';
import { allocActs } from './acts.js';
import type { Batch } from './batch.js';
import { backward, forward, type Net } from './network.js';
import { clipGradNorm, lrAt } from './optim.js';
import type { ParamSet } from './params.js';
import type { Trainer } from './trainer.js';

/** A batch of sampled rows: `weights` is the loss mask (1 on sampled tokens to train on). */
export interface PgBatch extends Batch {
  /** [B*T] logprob of targets[i] when it was sampled (temperature 1). */
  oldLogprobs: Float32Array;
  /** [B*T] advantage of the rollout that sampled targets[i]. */
  advantages: Float32Array;
  /** [B*T] reference policy's logprob of targets[i] (the KL anchor's; see `klBeta`). */
  refLogprobs?: Float32Array;
}

/** Clip range of the importance ratio. @default {low: 0.2, high: 0.28} (DAPO's clip-higher) */
export interface PgClip {
  low: number;
  high: number;
  /** Weight of the KL anchor to `refLogprobs` (0 or absent: none). @default 0 */
  klBeta?: number;
}
export const DEFAULT_PG_CLIP: PgClip = { low: 0.2, high: 0.28 };

/** Figures of one PG pass. */
export interface PgStats {
  /** Mean PG loss per trained token. */
  loss: number;
  /** Trained tokens (mask sum). */
  tokens: number;
  /** Share of trained tokens whose ratio was clipped (no gradient). */
  clipFrac: number;
  /** Mean importance ratio over trained tokens (1 when on-policy). */
  ratioMean: number;
  /** Mean of old - new logprob (a KL estimate between sampler and current policy). */
  approxKl: number;
  /** Mean k3 estimate of KL(policy || reference) per trained token (0 without an anchor). */
  refKl: number;
}

/** log softmax(row)[target], computed stably. */
export function targetLogprob(row: Float32Array, target: number): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < row.length; j++) if (row[j] > max) max = row[j];
  let s = 0;
  for (let j = 0; j < row.length; j++) s += Math.exp(row[j] - max);
  return row[target] - max - Math.log(s);
}

/**
 * From the logits of the last forward: fills `w` with the cross-entropy weights whose
 * gradient is the PG loss's, and returns that loss's sum and clip counts.
 */
export function pgWeights(
  w: Float32Array,
  logits: Float32Array,
  b: PgBatch,
  V: number,
  clip: PgClip = DEFAULT_PG_CLIP,
): {
  lossSum: number;
  tokens: number;
  clipped: number;
  ratioSum: number;
  klSum: number;
  refKlSum: number;
} {
  const beta = clip.klBeta ?? 0;
  const ref = beta > 0 ? b.refLogprobs : undefined;
  if (beta > 0 && ref === undefined) throw new Error('pg: klBeta > 0 needs refLogprobs');
  let refKlSum = 0;
  let lossSum = 0;
  let tokens = 0;
  let clipped = 0;
  let ratioSum = 0;
  let klSum = 0;
  for (let i = 0; i < b.B * b.T; i++) {
    w[i] = 0;
    const m = b.weights[i];
    if (m === 0) continue;
    const logp = targetLogprob(logits.subarray(i * V, (i + 1) * V), b.targets[i]);
    const r = Math.exp(logp - b.oldLogprobs[i]);
    const A = b.advantages[i];
    const rc = Math.min(Math.max(r, 1 - clip.low), 1 + clip.high);
    const unclipped = r * A;
    const clippedTerm = rc * A;
    // The min picks the clipped term only when it is strictly smaller: then no gradient.
    const active = unclipped <= clippedTerm;
    lossSum -= m * Math.min(unclipped, clippedTerm);
    if (active) w[i] = m * A * r;
    else clipped += m;
    if (ref !== undefined) {
      const d = ref[i] - logp;
      const k3 = Math.exp(d) - d - 1;
      lossSum += m * beta * k3;
      refKlSum += m * k3;
      w[i] += m * beta * (Math.exp(d) - 1);
    }
    tokens += m;
    ratioSum += m * r;
    klSum += m * (b.oldLogprobs[i] - logp);
  }
  return { lossSum, tokens, clipped, ratioSum, klSum, refKlSum };
}

/**
 * Forward + PG backward of one batch into grads (accumulated, scaled by gradScale);
 * returns the loss sum and counts. `acts` must fit the batch (training buffers).
 */
export function pgBackward(
  net: Net,
  p: ParamSet,
  g: ParamSet,
  a: Acts,
  b: PgBatch,
  gradScale: number,
  clip: PgClip = DEFAULT_PG_CLIP,
): ReturnType<typeof pgWeights> {
  forward(net, p, a, b.ids);
  const w = new Float32Array(b.B * b.T);
  const r = pgWeights(w, a.logits, b, net.config.vocabSize, clip);
  backward(net, p, g, a, b.ids, b.targets, w, gradScale);
  return r;
}

/**
 * One optimizer step of the trainer on PG micro-batches (token-level mean over all of
 * them), with the trainer's clipping, schedule and AdamW: its state saves and resumes as usual.
 */
export function pgStep(
  tr: Trainer,
  micro: PgBatch[],
  clip: PgClip = DEFAULT_PG_CLIP,
): PgStats & { gradNorm: number; lr: number } {
  let total = 0;
  for (const b of micro) for (const m of b.weights) total += m;
  tr.grads.flat.fill(0);
  let lossSum = 0;
  let clipped = 0;
  let ratioSum = 0;
  let klSum = 0;
  let refKlSum = 0;
  const p = tr.model.paramSet;
  let acts: Acts | null = null;
  for (const b of micro) {
    if (!acts || acts.B !== b.B || acts.T !== b.T)
      acts = allocActs(tr.model.config, b.B, b.T, true);
    const r = pgBackward(tr.net, p, tr.grads, acts, b, total > 0 ? 1 / total : 0, clip);
    lossSum += r.lossSum;
    clipped += r.clipped;
    ratioSum += r.ratioSum;
    klSum += r.klSum;
    refKlSum += r.refKlSum;
  }
  const gradNorm = clipGradNorm(tr.grads.flat, tr.opt.cfg.gradClip);
  const lr = lrAt(tr.opt.t, tr.opt.cfg);
  tr.opt.step(p.flat, tr.grads.flat, lr);
  const d = Math.max(total, 1e-12);
  return {
    loss: total > 0 ? lossSum / d : 0,
    tokens: total,
    clipFrac: total > 0 ? clipped / d : 0,
    ratioMean: total > 0 ? ratioSum / d : 1,
    approxKl: total > 0 ? klSum / d : 0,
    refKl: total > 0 ? refKlSum / d : 0,
    gradNorm,
    lr,
  };
}

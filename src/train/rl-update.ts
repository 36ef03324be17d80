// The policy-gradient update of one RL step: each training row (a rollout's exact sampled
// ids, mask, sampling logprobs, advantage) becomes a one-row PG batch; one optimizer step
// averages the clipped-ratio loss over every trained token of the step.
import { allocActs } from '../lm/acts.js';
import { forward } from '../lm/network.js';
import type { ParamSet } from '../lm/params.js';
import { DEFAULT_PG_CLIP, type PgBatch, type PgClip, pgStep, targetLogprob } from '../lm/pg.js';
import type { Trainer } from '../lm/trainer.js';
import type { RlRow } from './rl-groups.js';

/** Position t predicts ids[t+1]: mask, old logprob and advantage move with the target. */
export function rowBatch(row: RlRow, maxT: number, padId = 0): PgBatch {
  if (row.ids.length !== row.mask.length || row.ids.length !== row.logprobs.length)
    throw new Error(`row ${row.taskId}.${row.k}: ids, mask and logprobs differ in length`);
  const n = Math.min(row.ids.length, maxT + 1);
  // Rounded up so rows of similar length share activation shapes.
  const T = Math.min(maxT, Math.ceil((n - 1) / 64) * 64);
  const b: PgBatch = {
    B: 1,
    T,
    ids: new Int32Array(T).fill(padId),
    targets: new Int32Array(T).fill(padId),
    weights: new Float32Array(T),
    oldLogprobs: new Float32Array(T),
    advantages: new Float32Array(T),
  };
  for (let t = 0; t < n - 1; t++) {
    b.ids[t] = row.ids[t];
    b.targets[t] = row.ids[t + 1];
    b.weights[t] = row.mask[t + 1];
    b.oldLogprobs[t] = row.logprobs[t + 1];
    b.advantages[t] = row.advantage;
  }
  b.ids[n - 1] = row.ids[n - 1];
  return b;
}

export interface UpdateStats {
  /** False when no row had a trained token (no optimizer step taken). */
  updated: boolean;
  loss: number;
  tokens: number;
  clipFrac: number;
  ratioMean: number;
  approxKl: number;
  /** Mean k3 KL(policy || reference) per trained token; 0 without the anchor. */
  refKl: number;
  gradNorm: number;
  lr: number;
  ms: number;
}

/** The reference weights' logprob of each target of `b` (the KL anchor's numbers). */
export function refLogprobs(tr: Trainer, ref: ParamSet, b: PgBatch): Float32Array {
  const a = allocActs(tr.model.config, b.B, b.T, false);
  forward(tr.net, ref, a, b.ids);
  const V = tr.model.config.vocabSize;
  const out = new Float32Array(b.B * b.T);
  for (let i = 0; i < b.B * b.T; i++) {
    if (b.weights[i] === 0) continue;
    out[i] = targetLogprob(a.logits.subarray(i * V, (i + 1) * V), b.targets[i]);
  }
  return out;
}

/**
 * One PG optimizer step over the rows (none when nothing is trainable). With
 * `clip.klBeta > 0`, `ref` holds the anchor's weights (the RL start).
 */
export function rlUpdate(
  tr: Trainer,
  rows: RlRow[],
  clip: PgClip = DEFAULT_PG_CLIP,
  ref?: ParamSet,
): UpdateStats {
  const t0 = performance.now();
  const batches = rows
    .filter((r) => r.ids.length >= 2 && r.mask.some((m) => m > 0))
    .map((r) => rowBatch(r, tr.model.config.maxSeqLen));
  // Same shapes together: each shape change reallocates activations.
  batches.sort((a, b) => a.T - b.T);
  if (batches.length === 0)
    return {
      updated: false,
      loss: 0,
      tokens: 0,
      clipFrac: 0,
      ratioMean: 1,
      approxKl: 0,
      refKl: 0,
      gradNorm: 0,
      lr: 0,
      ms: 0,
    };
  if ((clip.klBeta ?? 0) > 0) {
    if (!ref) throw new Error('rlUpdate: klBeta > 0 needs the reference weights');
    for (const b of batches) b.refLogprobs = refLogprobs(tr, ref, b);
  }
  const s = pgStep(tr, batches, clip);
  return { updated: true, ...s, ms: performance.now() - t0 };
}

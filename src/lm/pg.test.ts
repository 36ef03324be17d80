// The PG loss: its gradient (one trained token, then several with negative advantages and a
// clipped one, then with the KL anchor to a reference) equals central finite differences of
// the loss itself, and a clipped token contributes no gradient.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allocActs } from './acts.js';
import { type ModelConfig, validateConfig } from './config.js';
import { refKernels } from './kernels/ref.js';
import { forward, makeNet } from './network.js';
import { checkGrad } from './ops/gradcheck.js';
import { allocParams, initParams } from './params.js';
import { DEFAULT_PG_CLIP, type PgBatch, type PgClip, pgBackward, pgWeights } from './pg.js';
import { Rng } from './rng.js';

const c: ModelConfig = validateConfig({
  dim: 8,
  nLayers: 2,
  nHeads: 2,
  nKvHeads: 1,
  ffnDim: 12,
  vocabSize: 11,
  maxSeqLen: 8,
  ropeTheta: 10000,
  normEps: 1e-5,
  tiedEmbeddings: true,
});
const net = makeNet(c, refKernels);
const T = 6;
const ids = [1, 4, 2, 9, 3, 7];
const targets = [4, 2, 9, 3, 7, 5];

function setup() {
  const p = allocParams(c);
  initParams(p, c, new Rng(3));
  for (let i = 0; i < p.flat.length; i++) p.flat[i] *= 4;
  return p;
}

/** Current logprobs of the targets (to place old logprobs at a chosen ratio). */
function logprobs(p: ReturnType<typeof setup>): number[] {
  const a = allocActs(c, 1, T, false);
  forward(net, p, a, ids);
  const V = c.vocabSize;
  return targets.map((t, i) => {
    const row = a.logits.subarray(i * V, (i + 1) * V);
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
    return row[t] - lse;
  });
}

function batch(mask: number[], adv: number[], old: number[]): PgBatch {
  return {
    B: 1,
    T,
    ids: Int32Array.from(ids),
    targets: Int32Array.from(targets),
    weights: Float32Array.from(mask),
    advantages: Float32Array.from(adv),
    oldLogprobs: Float32Array.from(old),
  };
}

function check(b: PgBatch, p: ReturnType<typeof setup>, clip: PgClip = DEFAULT_PG_CLIP) {
  const a = allocActs(c, 1, T, true);
  const g = allocParams(c);
  pgBackward(net, p, g, a, b, 1, clip);
  const loss = () => {
    const f = allocActs(c, 1, T, false);
    forward(net, p, f, b.ids);
    return pgWeights(new Float32Array(T), f.logits, b, c.vocabSize, clip).lossSum;
  };
  for (const s of p.specs)
    checkGrad(
      s.name,
      p.views.get(s.name) as Float32Array,
      g.views.get(s.name) as Float32Array,
      loss,
      { samples: 10, eps: 1e-3, tol: 3e-2 },
    );
  return g;
}

test('PG loss of one token: gradient equals a finite difference (ratio inside the clip range)', () => {
  const p = setup();
  const lp = logprobs(p);
  // Sampled a little more likely than now (ratio e^-0.1), advantage negative.
  const old = lp.map((x) => x + 0.1);
  const g = check(batch([0, 0, 0, 1, 0, 0], [0, 0, 0, -0.7, 0, 0], old), p);
  assert.ok(
    g.flat.some((x) => Math.abs(x) > 1e-4),
    'the trained token must move the weights',
  );
});

test('PG loss over several tokens with mixed advantages matches finite differences', () => {
  const p = setup();
  const lp = logprobs(p);
  const old = lp.map((x, i) => x + [0.05, -0.1, 0.15, 0, -0.05, 0.1][i]);
  check(batch([1, 1, 0, 1, 1, 1], [1.2, -0.4, 5, 0.3, -1, 0.8], old), p);
});

test('a token whose ratio is past the clip range gets no gradient; inside it gets A*r', () => {
  const p = setup();
  const lp = logprobs(p);
  // Token 0: r = e^0.5 = 1.65 > 1.28 with A > 0 -> clipped. Token 1: r = e^0.5 with A < 0 -> active.
  const old = lp.map((x) => x - 0.5);
  const b = batch([1, 1, 0, 0, 0, 0], [1, -1, 0, 0, 0, 0], old);
  const a = allocActs(c, 1, T, false);
  forward(net, p, a, ids);
  const w = new Float32Array(T);
  const r = pgWeights(w, a.logits, b, c.vocabSize);
  assert.equal(w[0], 0);
  assert.ok(Math.abs(w[1] - -Math.exp(0.5)) < 1e-4, `weight ${w[1]}`);
  assert.equal(r.clipped, 1);
  assert.equal(r.tokens, 2);
  // The clipped term is constant: loss = -(1.28 * 1) - (e^0.5 * -1).
  assert.ok(Math.abs(r.lossSum - (-1.28 + Math.exp(0.5))) < 1e-4, `loss ${r.lossSum}`);
  // Token 0 only (clipped): the whole gradient is zero.
  const g = check(batch([1, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0], old), p);
  assert.ok(g.flat.every((x) => x === 0));
});

test('the KL anchor: its gradient matches finite differences, pulls toward the reference, and is 0 at it', () => {
  const p = setup();
  const lp = logprobs(p);
  const old = lp.map((x, i) => x + [0.05, -0.1, 0.6, 0, -0.05, 0.1][i]);
  const anchored = { ...DEFAULT_PG_CLIP, klBeta: 0.5 };
  // The reference likes some targets more, some less than the policy does now; token 2's
  // ratio (e^-0.6, A < 0) is past the clip, so only the anchor acts on it.
  const b = batch([1, 1, 1, 0, 1, 1], [1.2, -0.4, -2, 0.3, -1, 0.8], old);
  b.refLogprobs = Float32Array.from(lp.map((x, i) => x + [0.3, -0.2, 0.4, 0, 0.1, -0.3][i]));
  check(b, p, anchored);
  // Weights: the anchor adds beta * (e^(ref - logp) - 1) to each trained token's weight.
  const a = allocActs(c, 1, T, false);
  forward(net, p, a, ids);
  const w0 = new Float32Array(T);
  const w1 = new Float32Array(T);
  pgWeights(w0, a.logits, b, c.vocabSize);
  const r = pgWeights(w1, a.logits, b, c.vocabSize, anchored);
  for (const i of [0, 1, 2, 4, 5]) {
    const d = (b.refLogprobs as Float32Array)[i] - lp[i];
    assert.ok(Math.abs(w1[i] - w0[i] - 0.5 * (Math.exp(d) - 1)) < 1e-4, `token ${i}`);
  }
  assert.ok(r.refKlSum > 0);
  // At the reference itself the anchor adds nothing: no loss, no weight.
  b.refLogprobs = Float32Array.from(lp);
  const w2 = new Float32Array(T);
  const r2 = pgWeights(w2, a.logits, b, c.vocabSize, anchored);
  assert.ok(Math.abs(r2.refKlSum) < 1e-6);
  for (let i = 0; i < T; i++) assert.ok(Math.abs(w2[i] - w0[i]) < 1e-5);
  // An anchor with no reference logprobs is a programming error, not a silent no-op.
  b.refLogprobs = undefined;
  assert.throws(() => pgWeights(w2, a.logits, b, c.vocabSize, anchored), /refLogprobs/);
});

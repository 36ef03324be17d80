import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveConfig } from './config.js';
import { Decoder } from './decode.js';
import { BatchDecoder } from './decode-batch.js';
import { SHARED_PREFIX_MIN } from './generate.js';
import { GenerationWorker } from './generate-worker.js';
import { stepKernels } from './kernels/default.js';
import { generate, generateGroup, initModel, netFor } from './model.js';

// Grouped-query (1 kv head for 2 query heads) and full multi-head attention.
const models = [1, 2].map((kv) => {
  const m = initModel(deriveConfig(2, { vocabSize: 300, maxSeqLen: 224, nKvHeads: kv }), 5 + kv);
  // Peaked logits, so greedy choices are clear-cut.
  for (let i = 0; i < m.paramSet.flat.length; i++) m.paramSet.flat[i] *= 4;
  return m;
});
// With the peaked test logits float32 rounding alone moves a logprob by up to ~7e-5 (the
// single-sequence decoder against the training forward, measured); the unscaled model of
// the last test is held to 1e-5.
const TOL = 1e-4;
const long = Array.from({ length: SHARED_PREFIX_MIN + 16 }, (_, i) => (i * 31 + 7) % 300);

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++)
    assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

test('rows over the shared block (whole, part, none) step like separate reference decoders', () => {
  for (const model of models) {
    const V = model.config.vocabSize;
    const b = new BatchDecoder(model, 4);
    const ref = () => new Decoder(netFor(model), model.paramSet, stepKernels());
    const refs = [ref(), ref(), ref()];
    close(b.setShared(long), refs[0].prefill(long), 1e-4, 'block prefill');
    b.attachShared(0);
    refs[1].prefill(long.slice(0, 40));
    b.attachShared(1, 40); // continues only the first 40 block positions
    const other = [9, 8, 7, 6, 5];
    close(b.prefill(2, other), refs[2].prefill(other), 1e-4, 'own prefill');
    let n = 3;
    for (let t = 0; t < 30; t++) {
      const ids = [t % 300, (t * 7 + 40) % 300, (t * 13 + 1) % 300].slice(0, n);
      if (t === 12) b.reserve(9); // growing the batch keeps the block and every slot
      if (t === 20) {
        // Compaction as generation does it: the last row moves into a finished one's slot.
        b.copySlot(2, 1);
        refs[1] = refs[2];
        n = 2;
        ids.length = 2;
      }
      const out = b.step(ids, n);
      for (let r = 0; r < n; r++)
        close(out.subarray(r * V, (r + 1) * V), refs[r].step(ids[r]), 2e-4, `step ${t} row ${r}`);
    }
    // A row's whole sequence (block part + own part) reads back as a plain slot holding it.
    const plain = new BatchDecoder(model, 1);
    plain.prefill(0, long);
    for (let t = 0; t < 30; t++) plain.step([t % 300], 1);
    const a = b.readSlot(0);
    const want = plain.readSlot(0);
    assert.equal(a.len, long.length + 30);
    for (let l = 0; l < model.config.nLayers; l++) {
      close(a.k[l], want.k[l], 1e-4, `keys layer ${l}`);
      close(a.v[l], want.v[l], 1e-4, `values layer ${l}`);
    }
    // A block row's next tokens (a later turn) run over block + own cache like a plain slot's.
    const more = [3, 1, 4, 1, 5, 9, 2];
    close(b.extend(0, more), plain.extend(0, more), 1e-4, 'extend after the block');
    for (let t = 0; t < 5; t++) {
      const got = b.step([t + 1, 7], 2).slice(0, V);
      close(got, plain.step([t + 1], 1), 2e-4, `step ${t} after extend`);
    }
    assert.throws(() => b.attachShared(3, long.length + 1), /attachShared: 145 positions/);
    assert.throws(() => b.attachShared(3, 4, 5), /attachShared: no block segment 5/);
  }
});

test('the block keeps the segments live rows use, reuses an equal one, refuses one past its limit', () => {
  const model = models[1];
  const V = model.config.vocabSize;
  const b = new BatchDecoder(model, 4);
  const [p1, p2, p3] = [0, 1, 2].map((k) => long.map((x) => (x + k) % 300));
  const n = long.length;
  b.attachShared(0, n, b.addShared(p1, 0)?.seg);
  const s2 = b.addShared(p2, 1);
  assert.equal(s2?.seg, 1);
  b.attachShared(1, 100, s2?.seg);
  assert.equal(b.sharedLen, 2 * n);
  assert.equal(b.addShared(p1, 2)?.seg, 0, 'a segment with the same ids is reused');
  assert.equal(b.addShared(p3, 2, 3 * n - 1), null, 'past the limit');
  // Slot 0's sequence ends; slot 1 moves into it. The next segment drops p1's.
  b.copySlot(1, 0);
  assert.equal(b.addShared(p3, 1)?.seg, 1);
  assert.equal(b.sharedLen, 2 * n);
  assert.deepEqual(b.matchShared(p2.concat([1, 2]), SHARED_PREFIX_MIN), { seg: 0, len: n });
  assert.equal(b.matchShared(p1, SHARED_PREFIX_MIN), null);
  // Slot 0 still continues p2's first 100 positions, now at another place in the block.
  const ref = new Decoder(netFor(model), model.paramSet, stepKernels());
  ref.prefill(p2.slice(0, 100));
  for (let t = 0; t < 6; t++)
    close(b.step([t + 3], 1).slice(0, V), ref.step(t + 3), 2e-4, `step ${t} after the rebuild`);
});

test('a group over a shared prompt equals single-sequence generation, greedy and sampled', () => {
  for (const model of models) {
    const one = generate(model, long, { maxTokens: 20, temperature: 0 });
    for (const g of generateGroup(model, long, 4, { maxTokens: 20, temperature: 0 })) {
      assert.deepEqual(g.ids, one.ids);
      close(g.logprobs, one.logprobs, TOL, 'greedy logprobs');
    }
    // Stops at tokens the rows sample end them at different steps (compaction mid-run).
    const free = generateGroup(model, long, 8, { maxTokens: 24, temperature: 1.3, seed: 21 });
    const stopIds = [free[0].ids[3], free[1].ids[8]];
    const opts = { maxTokens: 24, temperature: 1.3, seed: 21, stopIds };
    const group = generateGroup(model, long, 8, opts);
    assert.ok(new Set(group.map((g) => g.ids.length)).size >= 2, 'rows should end apart');
    group.forEach((g, i) => {
      const s = generate(model, long, { ...opts, seed: 21 + i });
      assert.deepEqual(g.ids, s.ids, `sequence ${i}`);
      assert.equal(g.finishReason, s.finishReason);
      close(g.logprobs, s.logprobs, TOL, `sequence ${i} logprobs`);
    });
    // The context limit still ends a row.
    for (const g of generateGroup(model, long, 2, { maxTokens: 500, temperature: 1 }))
      assert.equal(g.ids.length, model.config.maxSeqLen - long.length + 1);
  }
});

test('the worker keeps one group prompt in the shared block while other requests run beside it', async () => {
  const model = models[0];
  const w = new GenerationWorker(model, { prefixCacheMB: 0 });
  try {
    const long2 = long.map((x) => (x * 3 + 1) % 300);
    const reqs = [
      { p: long, G: 3, o: { maxTokens: 30, temperature: 1, seed: 4, stopIds: [5, 9] } },
      { p: [1, 2, 3], G: 1, o: { maxTokens: 12, temperature: 0 } },
      // Arrives while the first group holds the block: a second segment beside it.
      { p: long2, G: 2, o: { maxTokens: 20, temperature: 0.7, seed: 3 } },
    ];
    const got = await Promise.all(reqs.map((r) => w.generateGroup(r.p, r.G, r.o)));
    const st = await w.stats();
    assert.equal(st.sharedPrompts, 2, JSON.stringify(st));
    reqs.forEach((r, i) => {
      got[i].forEach((g, s) => {
        const want = generate(model, r.p, { ...r.o, seed: (r.o.seed ?? 0) + s });
        assert.deepEqual(g.ids, want.ids, `request ${i} sequence ${s}`);
        close(g.logprobs, want.logprobs, TOL, `request ${i} sequence ${s} logprobs`);
      });
    });
    // A later group on a prompt still in the block uses its segment again.
    const again = await w.generateGroup(long2, 2, { maxTokens: 8, temperature: 0 });
    assert.equal((await w.stats()).sharedPrompts, 3);
    const greedy = generate(model, long2, { maxTokens: 8, temperature: 0 });
    for (const g of again) assert.deepEqual(g.ids, greedy.ids);
  } finally {
    await w.close();
  }
});

test('at initial weights a shared-prompt group gives the single-sequence logprobs to 1e-5', () => {
  const model = initModel(deriveConfig(2, { vocabSize: 512, maxSeqLen: 256 }), 11);
  const prompt = Array.from({ length: 160 }, (_, i) => (i * 17 + 3) % 512);
  const opts = { maxTokens: 32, temperature: 1, seed: 5 };
  const group = generateGroup(model, prompt, 4, opts);
  group.forEach((g, i) => {
    const s = generate(model, prompt, { ...opts, seed: 5 + i });
    assert.deepEqual(g.ids, s.ids, `sequence ${i}`);
    close(g.logprobs, s.logprobs, 1e-5, `sequence ${i} logprobs`);
  });
});

test('later turns that start with a group prompt continue its block segment, as generate does', async () => {
  // RL rollouts: each row's history diverges after the group's first turn; turns 2 and 3
  // attend over the block (and the prefix cache past it) instead of copying the prompt.
  const model = initModel(deriveConfig(2, { vocabSize: 512, maxSeqLen: 256 }), 11);
  // Two groups (two tasks of one RL step) in flight together: two segments of the block.
  const prompts = [3, 5].map((a) => Array.from({ length: 160 }, (_, i) => (i * 17 + a) % 512));
  const G = 3;
  for (const prefixCacheMB of [256, 0]) {
    const w = new GenerationWorker(model, { prefixCacheMB });
    try {
      const firsts = await Promise.all(
        prompts.map((p, i) =>
          w.generateGroup(p, G, { maxTokens: 10, temperature: 1, seed: 5 + i }),
        ),
      );
      assert.equal((await w.stats()).sharedPrompts, 2);
      let convs = firsts.flatMap((f, i) =>
        f.map((g, k) => [...prompts[i], ...g.ids, 40 + k, 41, 42, 43]),
      );
      for (const [turn, temperature] of [
        [2, 1],
        [3, 0],
      ]) {
        const before = await w.stats();
        const opts = (k: number) => ({ maxTokens: 10, temperature, seed: 100 * turn + k });
        const got = await Promise.all(convs.map((p, k) => w.generate(p, opts(k))));
        const st = await w.stats();
        assert.equal(st.sharedAttached - before.sharedAttached, 2 * G, `turn ${turn}`);
        // With the prefix cache a turn runs only its new tokens (the last sampled one was never
        // fed, so 1 + 4 tool tokens); without it, everything past the block.
        const reused = convs.reduce((n, p) => n + (prefixCacheMB ? p.length - 5 : 160), 0);
        assert.equal(st.reusedTokens - before.reusedTokens, reused, `turn ${turn} reused`);
        got.forEach((g, k) => {
          const want = generate(model, convs[k], opts(k));
          assert.deepEqual(g.ids, want.ids, `turn ${turn} row ${k}`);
          close(g.logprobs, want.logprobs, 1e-5, `turn ${turn} row ${k} logprobs`);
        });
        convs = convs.map((p, k) => [...p, ...got[k].ids, 50 + k, 51, 52, 53]);
      }
    } finally {
      await w.close();
    }
  }
});

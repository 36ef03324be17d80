import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveConfig } from './config.js';
import { BatchDecoder, type SlotKv } from './decode-batch.js';
import { PrefixCache } from './generate-prefix.js';
import { GenerationWorker } from './generate-worker.js';
import { initModel } from './model.js';

// Both attention shapes: grouped-query (1 kv head for 2 query heads) and full multi-head.
const models = [1, 2].map((kv) => {
  const m = initModel(deriveConfig(2, { vocabSize: 300, maxSeqLen: 700, nKvHeads: kv }), 5 + kv);
  for (let i = 0; i < m.paramSet.flat.length; i++) m.paramSet.flat[i] *= 4;
  return m;
});
const ids = (n: number, salt = 0) => Array.from({ length: n }, (_, i) => (i * 37 + 5 + salt) % 300);
const maxDiff = (a: Float32Array, b: Float32Array) => {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};

test('extending a cached prefix gives the logits and cache of a full prefill', () => {
  for (const model of models) {
    const V = model.config.vocabSize;
    // 600 tokens: the new part spans several prefill chunks.
    const p = ids(600);
    const d = new BatchDecoder(model, 2);
    const full = d.prefill(0, p);
    d.prefill(1, p.slice(0, 9));
    d.writeSlot(1, d.readSlot(1), 4); // keep only 4 of the 9: a shorter reuse
    const ext = d.extend(1, p.slice(4));
    assert.equal(d.lens[1], 600);
    assert.ok(maxDiff(full, ext) < 1e-3, `logits differ by ${maxDiff(full, ext)}`);
    // The caches agree too: the next step is the same from both slots.
    const s = d.step([7, 7], 2);
    const diff = maxDiff(s.subarray(0, V), s.subarray(V, 2 * V));
    assert.ok(diff < 1e-3, `next step differs by ${diff}`);
  }
});

const kvOf = (len: number, floats = 10): SlotKv => ({
  len,
  k: [new Float32Array(floats)],
  v: [new Float32Array(floats)],
});

test('the prefix cache matches the longest exact prefix, keeps one token to run, evicts LRU', () => {
  const c = new PrefixCache(200); // bytes: two 80-byte entries fit, three do not
  c.save([1, 2, 3, 4, 5], kvOf(5));
  c.save([1, 2, 9, 9], kvOf(4));
  assert.equal(c.size, 2);
  assert.equal(c.lookup([1, 2, 3, 4, 5, 6, 7])?.len, 5);
  // The whole prompt is cached: all but its last token are reused.
  assert.equal(c.lookup([1, 2, 3, 4, 5])?.len, 4);
  assert.equal(c.lookup([1, 2, 9, 7])?.len, 3);
  assert.equal(c.lookup([1, 2, 8])?.len, 2);
  assert.equal(c.lookup([2, 1, 3]), null, 'a different first token reuses nothing');
  // The tie on [1, 2] went to the older entry, so [1, 2, 9, 9] is now least recently used
  // and the third entry evicts it.
  c.save([7, 7, 7], kvOf(3));
  assert.equal(c.size, 2);
  assert.equal(c.lookup([1, 2, 9, 9, 1])?.len, 2);
  assert.equal(c.lookup([1, 2, 3, 4, 5, 6])?.len, 5);
  // An entry that extends another replaces it.
  c.save([7, 7, 7, 8, 8], kvOf(5));
  assert.equal(c.size, 2);
  assert.equal(c.bytes, 160);
  // An entry bigger than the whole cache is not kept; clear empties it.
  c.save([5, 5], kvOf(2, 100));
  assert.equal(c.size, 2);
  c.clear();
  assert.equal(c.lookup([7, 7, 7, 8, 8, 1]), null);
  assert.equal(c.bytes, 0);
});

test('a worker reusing prefixes across turns generates what one without reuse does', async () => {
  for (const model of models) {
    const reuse = new GenerationWorker(model);
    const fresh = new GenerationWorker(model, { prefixCacheMB: 0 });
    try {
      const greedy = { maxTokens: 20, temperature: 0, stopIds: [11] };
      // A conversation: each turn's prompt is the last prompt + completion + new tokens.
      let prompt = ids(30);
      // Each turn reuses the last prompt and all its completion but the final token.
      let expected = 0;
      for (let turn = 0; turn < 4; turn++) {
        const [a, b] = await Promise.all([
          reuse.generate(prompt, greedy),
          fresh.generate(prompt, greedy),
        ]);
        assert.deepEqual(a.ids, b.ids, `turn ${turn}`);
        for (const [k, x] of a.logprobs.entries()) assert.ok(Math.abs(x - b.logprobs[k]) < 1e-3);
        expected += turn < 3 ? prompt.length + a.ids.length - 1 : 0;
        prompt = [...prompt, ...a.ids, ...ids(15 + 40 * turn, turn)];
      }
      const st = await reuse.stats();
      assert.equal(st.reusedTokens, expected, JSON.stringify(st));
      assert.equal((await fresh.stats()).reusedTokens, 0);
      // A prompt that differs early falls back: it reuses only the common part, or nothing.
      const before = (await reuse.stats()).reusedTokens;
      const edited = [...prompt];
      edited[3] = (edited[3] + 1) % 300;
      const [a, b] = await Promise.all([
        reuse.generate(edited, greedy),
        fresh.generate(edited, greedy),
      ]);
      assert.deepEqual(a.ids, b.ids);
      assert.equal((await reuse.stats()).reusedTokens - before, 3);
      const other = ids(50, 1);
      assert.deepEqual(
        (await reuse.generate(other, greedy)).ids,
        (await fresh.generate(other, greedy)).ids,
      );
      assert.equal((await reuse.stats()).reusedTokens - before, 3);
      // Sampled groups (the RL case) sample the same distributions: equal up to rounding, so a
      // draw landing within ~1e-5 of a token boundary may differ (seen once here, at 1 of 48).
      const sampled = { maxTokens: 16, temperature: 1, seed: 4 };
      const ga = await reuse.generateGroup(prompt, 3, sampled);
      const gb = await fresh.generateGroup(prompt, 3, sampled);
      ga.forEach((g, i) => {
        let k = 0;
        while (k < g.ids.length && g.ids[k] === gb[i].ids[k]) {
          assert.ok(Math.abs(g.logprobs[k] - gb[i].logprobs[k]) < 1e-3);
          k++;
        }
        assert.ok(k >= 12, `sequence ${i} agrees for ${k} of 16 tokens`);
      });
      // New weights invalidate every cached key and value.
      const saved = model.paramSet.flat.slice();
      for (let i = 0; i < model.paramSet.flat.length; i += 5) model.paramSet.flat[i] *= -1;
      await Promise.all([reuse.syncWeights(), fresh.syncWeights()]);
      const r0 = (await reuse.stats()).reusedTokens;
      assert.deepEqual(
        (await reuse.generate(prompt, greedy)).ids,
        (await fresh.generate(prompt, greedy)).ids,
      );
      assert.equal((await reuse.stats()).reusedTokens, r0, 'nothing reused across a weight change');
      model.paramSet.flat.set(saved);
    } finally {
      await Promise.all([reuse.close(), fresh.close()]);
    }
  }
});

test('a bad prefix cache size is a one-line error', () => {
  assert.throws(
    () => new GenerationWorker(models[0], { prefixCacheMB: -1 }),
    /^Error: prefixCacheMB must be a finite number >= 0, got -1$/,
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveConfig } from './config.js';
import { Decoder } from './decode.js';
import { BatchDecoder } from './decode-batch.js';
import { stepKernels } from './kernels/default.js';
import { forwardLogits, generate, generateGroup, initModel, netFor } from './model.js';

// Two shapes: grouped-query attention (1 kv head for 2 query heads) and full multi-head.
const models = [1, 2].map((kv) => {
  const m = initModel(deriveConfig(2, { vocabSize: 300, maxSeqLen: 64, nKvHeads: kv }), 8 + kv);
  // Larger weights than init so the logits are peaked: greedy choices are clear-cut.
  for (let i = 0; i < m.paramSet.flat.length; i++) m.paramSet.flat[i] *= 4;
  return m;
});
const prompt = [3, 17, 200, 45, 9];

function logSoftmaxAt(row: Float32Array, i: number, temp: number): number {
  let max = -Infinity;
  for (const x of row) max = Math.max(max, x / temp);
  let s = 0;
  for (const x of row) s += Math.exp(x / temp - max);
  return row[i] / temp - max - Math.log(s);
}

const close = (a: number[], b: number[], tol: number, what: string) => {
  assert.equal(a.length, b.length, `${what}: lengths`);
  for (let i = 0; i < a.length; i++)
    assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
};

test('a batched group equals single-sequence generation, greedy and sampled, with stops', () => {
  for (const model of models) {
    const greedy = generateGroup(model, prompt, 4, { maxTokens: 12, temperature: 0 });
    const one = generate(model, prompt, { maxTokens: 12, temperature: 0 });
    for (const g of greedy) {
      assert.deepEqual(g.ids, one.ids);
      close(g.logprobs, one.logprobs, 1e-4, 'greedy logprobs');
    }
    // Sequence i samples as generate with seed + i; a common token as stop id makes them end
    // at different steps, so rows are compacted mid-run.
    const stopIds = [one.ids[3], one.ids[5]];
    const opts = { maxTokens: 20, temperature: 1.5, seed: 11, stopIds };
    const group = generateGroup(model, prompt, 8, opts);
    const lens = new Set(group.map((g) => g.ids.length));
    assert.ok(lens.size >= 2, `sequences should end at different lengths: ${[...lens]}`);
    group.forEach((g, i) => {
      const s = generate(model, prompt, { ...opts, seed: 11 + i });
      assert.deepEqual(g.ids, s.ids, `sequence ${i}`);
      assert.equal(g.finishReason, s.finishReason);
      close(g.logprobs, s.logprobs, 1e-4, `sequence ${i} logprobs`);
      if (g.finishReason === 'stop') assert.ok(stopIds.includes(g.ids.at(-1) as number));
      else assert.equal(g.ids.length, 20);
    });
  }
});

test('every group sequence (copied KV cache, compacted rows) matches a full recompute', () => {
  for (const model of models) {
    const temperature = 0.8;
    const opts = { maxTokens: 16, temperature, seed: 2, stopIds: [7, 19, 33] };
    for (const g of generateGroup(model, prompt, 6, opts)) {
      const all = [...prompt, ...g.ids];
      const logits = forwardLogits(model, all.slice(0, -1));
      const V = model.config.vocabSize;
      const want = g.ids.map((id, k) =>
        logSoftmaxAt(
          logits.subarray((prompt.length - 1 + k) * V, (prompt.length + k) * V),
          id,
          temperature,
        ),
      );
      close(g.logprobs, want, 1e-3, 'logprob vs recompute');
    }
  }
});

test('rows of different lengths step like separate reference decoders', () => {
  const model = models[0];
  const prompts = [[5, 6, 7, 8, 9, 10, 11], [1], [250, 3, 4]];
  const b = new BatchDecoder(model, 4);
  const refs = prompts.map((p, r) => {
    const d = new Decoder(netFor(model), model.paramSet, stepKernels());
    close([...b.prefill(r, p)], [...d.prefill(p)], 1e-4, `prefill ${r}`);
    return d;
  });
  const V = model.config.vocabSize;
  for (let t = 0; t < 40; t++) {
    const ids = [t % 300, (t * 7) % 300, (t * 13 + 1) % 300];
    // Growing the batch mid-run keeps every slot's cache.
    if (t === 20) b.reserve(9);
    const out = b.step(ids);
    refs.forEach((d, r) => {
      close([...out.subarray(r * V, (r + 1) * V)], [...d.step(ids[r])], 2e-4, `step ${t} row ${r}`);
    });
  }
  assert.deepEqual(
    [...b.lens.subarray(0, 3)],
    prompts.map((p) => p.length + 40),
  );
  // Past the 64-token context: a clear error, not garbage.
  assert.throws(() => {
    for (let t = 0; t < 30; t++) b.step([1, 1, 1]);
  }, /context full: maxSeqLen 64/);
});

test('sampling is deterministic given a seed; the context limit ends a sequence', () => {
  const model = models[1];
  const o = { maxTokens: 30, temperature: 1, topP: 0.9, seed: 4 };
  assert.deepEqual(generateGroup(model, prompt, 3, o), generateGroup(model, prompt, 3, o));
  const other = generateGroup(model, prompt, 3, { ...o, seed: 5 });
  assert.notDeepEqual(generateGroup(model, prompt, 3, o)[0].ids, other[0].ids);
  const long = Array.from({ length: 60 }, (_, i) => (i * 11) % 300);
  const r = generateGroup(model, long, 2, { maxTokens: 100, temperature: 1 });
  for (const g of r) {
    assert.equal(g.finishReason, 'length');
    assert.equal(g.ids.length, 64 - 60 + 1);
  }
});

test('bad input is a one-line error naming the field', () => {
  const model = models[0];
  const bad: [() => unknown, RegExp][] = [
    [() => generateGroup(model, prompt, 0), /group size must be an integer in 1\.\.64, got 0/],
    [() => generateGroup(model, prompt, 65), /group size/],
    [() => generateGroup(model, prompt, 2.5), /group size/],
    [() => generateGroup(model, [], 2), /prompt is empty/],
    [() => generateGroup(model, [1, 300], 2), /token id 300 is outside the vocabulary \[0, 300\)/],
    [() => generate(model, prompt, { topP: 0 }), /topP must be in \(0, 1\], got 0/],
    [() => generate(model, prompt, { temperature: -1 }), /temperature must be/],
    [() => generate(model, prompt, { maxTokens: 1.5 }), /maxTokens must be/],
    [() => generate(model, prompt, { seed: 0.5 }), /seed must be an integer/],
    [() => new BatchDecoder(model, 0), /batch capacity must be a positive integer/],
    [() => new BatchDecoder(model, 2).step([1]), /slot 0 has no prompt/],
    [() => new BatchDecoder(model, 2).prefill(2, [1]), /slot 2 is outside the batch \[0, 2\)/],
  ];
  for (const [f, re] of bad) {
    assert.throws(f, (e: Error) => re.test(e.message) && !e.message.includes('\n'), String(re));
  }
  assert.deepEqual(generate(model, prompt, { maxTokens: 0 }).ids, []);
});

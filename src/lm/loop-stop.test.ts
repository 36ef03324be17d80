import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveConfig } from './config.js';
import { endsInLoop, generate, generateGroup } from './generate.js';
import { GenerationWorker } from './generate-worker.js';
import { initModel } from './model.js';

test('endsInLoop finds a short block repeated over the whole span, and nothing else', () => {
  assert.equal(endsInLoop([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3], 12), true);
  assert.equal(endsInLoop([9, 9, 9, 9, 9, 9, 9, 9], 8), true);
  // The span reaches one token before the loop began.
  assert.equal(endsInLoop([5, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3], 13), false);
  // Period 4 in a span of 12 is only 3 repeats: not a loop (the period must be <= span / 4).
  assert.equal(endsInLoop([1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4], 12), false);
  assert.equal(endsInLoop([1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4], 16), true);
  assert.equal(endsInLoop([1, 2, 1, 2, 1, 2, 1, 3], 8), false);
  assert.equal(endsInLoop([1, 1, 1], 8), false, 'shorter than the span');
  assert.equal(endsInLoop([1, 1, 1, 1, 1, 1, 1, 1], 0), false, '0 is off');
});

// A random model with peaked logits falls into a greedy cycle within a few dozen tokens.
const cfg = deriveConfig(1, { vocabSize: 300, maxSeqLen: 256, nKvHeads: 1 });
const model = initModel(cfg, 3);
for (let i = 0; i < model.paramSet.flat.length; i++) model.paramSet.flat[i] *= 6;
const prompt = [3, 17, 20, 5, 9];

test('loopStop ends a greedy loop where it becomes one, in thread, in a group and on the worker', async () => {
  const free = generate(model, prompt, { maxTokens: 200, temperature: 0 });
  const span = 8;
  let k = 1;
  while (k <= free.ids.length && !endsInLoop(free.ids.slice(0, k), span)) k++;
  assert.ok(k < 200, 'the fixture model loops under greedy decoding');
  const cut = generate(model, prompt, { maxTokens: 200, temperature: 0, loopStop: span });
  assert.equal(cut.finishReason, 'loop');
  assert.deepEqual(cut.ids, free.ids.slice(0, k));
  assert.deepEqual(cut.logprobs, free.logprobs.slice(0, k));
  const group = generateGroup(model, prompt, 3, { maxTokens: 200, temperature: 0, loopStop: span });
  for (const g of group) assert.deepEqual(g.ids, cut.ids);
  const w = new GenerationWorker(model);
  try {
    const viaWorker = await w.generate(prompt, { maxTokens: 200, temperature: 0, loopStop: span });
    assert.equal(viaWorker.finishReason, 'loop');
    assert.deepEqual(viaWorker.ids, cut.ids);
  } finally {
    await w.close();
  }
  assert.throws(
    () => generate(model, prompt, { loopStop: 3 }),
    /loopStop must be 0 or an integer >= 4/,
  );
});

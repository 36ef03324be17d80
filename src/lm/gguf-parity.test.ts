// Parity with llama.cpp: the exported GGUF, loaded by llama.cpp (node-llama-cpp's prebuilt CPU
// binary), must tokenize like us, give the same next-token logits and the same greedy tokens.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { LoadedModel } from './checkpoint.js';
import { deriveConfig, type ModelConfig } from './config.js';
import { exportGguf } from './gguf.js';
import { type LlamaCppModel, llamaCppAvailable, openLlamaCpp } from './gguf-llama.js';
import { forwardLogits, generate, initModel } from './model.js';
import { ChatTemplate } from './template.js';
import { trainTokenizer } from './tokenizer.js';

const available = await llamaCppAvailable();
const dir = mkdtempSync(join(tmpdir(), 'loopsmith-parity-'));
const tok = trainTokenizer(
  [readFileSync('src/lm/tokenizer.ts', 'utf8'), readFileSync('src/lm/template.ts', 'utf8')],
  800,
);
/** A random model whose logits are spread out: a fresh init gives near-uniform logits where
 * any engine agrees by accident; larger weights give the comparison something to get wrong. */
function spreadModel(overrides: Partial<ModelConfig>, seed: number): LoadedModel {
  const m = initModel(deriveConfig(2, { vocabSize: 800, maxSeqLen: 128, ...overrides }), seed, tok);
  for (const s of m.paramSet.specs) {
    if (s.shape.length !== 2) continue;
    const w = m.params.get(s.name) as Float32Array;
    for (let i = 0; i < w.length; i++) w[i] *= 8;
  }
  return m;
}
const model = spreadModel({}, 11);
const prompt = tok.encode('function add(a, b) {\n  return a + b;\n}\n');

/** Our next-token logits after `ids` (the engine's full forward, last row). */
const ourLogits = (ids: number[], m = model): Float32Array =>
  forwardLogits(m, ids).slice((ids.length - 1) * m.config.vocabSize);
/** Log-softmax, so our logits compare with llama.cpp's log-probabilities. */
function logSoftmax(x: Float32Array): Float32Array {
  const max = x.reduce((m, v) => Math.max(m, v), Number.NEGATIVE_INFINITY);
  let sum = 0;
  for (const v of x) sum += Math.exp(v - max);
  const lse = max + Math.log(sum);
  return x.map((v) => v - lse);
}
/** Spread of our logits (max |logit - mean|) and largest |ours - theirs| in log-probability,
 * over the tokens llama.cpp reports with a probability above float underflow. */
function gap(oursLogits: Float32Array, theirs: Float32Array): { maxAbs: number; maxDiff: number } {
  assert.equal(theirs.length, oursLogits.length);
  const ours = logSoftmax(oursLogits);
  const mean = oursLogits.reduce((a, b) => a + b, 0) / oursLogits.length;
  let maxAbs = 0;
  let maxDiff = 0;
  let compared = 0;
  for (let i = 0; i < ours.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(oursLogits[i] - mean));
    if (!Number.isFinite(theirs[i]) || theirs[i] < -30) continue;
    compared++;
    maxDiff = Math.max(maxDiff, Math.abs(ours[i] - theirs[i]));
  }
  assert.ok(compared > ours.length / 2, `llama.cpp reported only ${compared} probabilities`);
  return { maxAbs, maxDiff };
}
const argmax = (x: Float32Array) => x.reduce((b, v, i) => (v > x[b] ? i : b), 0);

let llama: LlamaCppModel;
const skip = available ? false : 'node-llama-cpp is not installed';
before(async () => {
  if (!available) return;
  exportGguf(model, join(dir, 'm.gguf'));
  llama = await openLlamaCpp(join(dir, 'm.gguf'), { contextSize: 128 });
});
after(async () => {
  await llama?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('llama.cpp tokenizes text exactly like our tokenizer', { skip }, () => {
  const texts = [
    readFileSync('src/lm/gguf.ts', 'utf8'),
    "It's 12345 o'clock; we'LL see   x\r\n\r\n\t\tdone",
    'naïve café — 日本語 😀👍🏽 ½ ²³ ٣٤٥',
    '<|end|> stays plain text <|tool_call|>{"name":"x"}',
    '    \n\n   \t  trailing   ',
  ];
  for (const t of texts)
    assert.deepEqual(llama.tokenize(t), tok.encode(t), JSON.stringify(t.slice(0, 40)));
});

test('llama.cpp with special parsing tokenizes a rendered chat prompt into our exact ids', {
  skip,
}, () => {
  const template = new ChatTemplate(tok);
  const ids = template.renderPrompt(
    [
      { role: 'system', content: 'You are a coding agent.' },
      { role: 'user', content: 'Fix add() in a.js' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'c', type: 'function', function: { name: 'read', arguments: '{"path":"a.js"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c', content: 'export const add = (a, b) => a - b;\n' },
    ],
    [
      {
        type: 'function',
        function: { name: 'read', description: 'Read a file.', parameters: { type: 'object' } },
      },
    ],
  );
  assert.deepEqual(llama.tokenize(tok.decode(ids), true), ids);
});

test('next-token logits match ours within tolerance', { skip }, async () => {
  for (const ids of [
    prompt,
    [
      tok.special['<|bos|>'],
      tok.special['<|user|>'],
      ...tok.encode('fix it'),
      tok.special['<|end|>'],
      tok.special['<|assistant|>'],
    ],
  ]) {
    const ours = ourLogits(ids);
    const theirs = await llama.nextLogits(ids);
    const { maxAbs, maxDiff } = gap(ours, theirs);
    assert.ok(maxAbs > 1, `logits should be spread out (max |logit| ${maxAbs})`);
    // llama.cpp keeps its KV cache in F16: about 1e-3 relative error is expected.
    assert.ok(
      maxDiff < 0.01 * maxAbs,
      `max |ours - llama.cpp| ${maxDiff} vs max |logit| ${maxAbs}`,
    );
    assert.equal(argmax(theirs), argmax(ours));
  }
});

test('greedy KV-cache generation matches llama.cpp token for token', { skip }, async () => {
  const n = 12;
  const ours = generate(model, prompt, { maxTokens: n, temperature: 0 }).ids;
  // The KV-cache path must agree with full forwards too, or the comparison proves little.
  assert.equal(ours[0], argmax(ourLogits(prompt)));
  assert.equal(ours[n - 1], argmax(ourLogits([...prompt, ...ours.slice(0, n - 1)])));
  assert.ok(new Set(ours).size > 3, `greedy output should vary (${ours})`);
  assert.deepEqual(await llama.greedy(prompt, n), ours);
});

/** Exports `m` (F32 or F16), loads it in llama.cpp and returns the logits gap on the prompt. */
async function gapVsLlama(m: LoadedModel, file: string, f16: boolean) {
  exportGguf(m, join(dir, file), { f16 });
  const other = await openLlamaCpp(join(dir, file), { contextSize: 128 });
  try {
    return gap(ourLogits(prompt, m), await other.nextLogits(prompt));
  } finally {
    await other.dispose();
  }
}

test('the F16 export runs in llama.cpp with logits within half-precision error', {
  skip,
}, async () => {
  const { maxAbs, maxDiff } = await gapVsLlama(model, 'h.gguf', true);
  assert.ok(
    maxDiff < 0.03 * maxAbs,
    `max |ours - llama.cpp F16| ${maxDiff} vs max |logit| ${maxAbs}`,
  );
});

test('grouped-query attention and an untied output matrix match llama.cpp too', {
  skip,
}, async () => {
  const gqa = spreadModel({ dim: 128, nHeads: 4, nKvHeads: 2, tiedEmbeddings: false }, 12);
  const { maxAbs, maxDiff } = await gapVsLlama(gqa, 'gqa.gguf', false);
  assert.ok(
    maxAbs > 1 && maxDiff < 0.01 * maxAbs,
    `max |ours - llama.cpp| ${maxDiff} vs max |logit| ${maxAbs}`,
  );
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runAgent } from '../harness/agent.js';
import { deriveConfig } from '../lm/config.js';
import { initModel, saveCheckpoint } from '../lm/model.js';
import { ChatTemplate } from '../lm/template.js';
import { trainTokenizer } from '../lm/tokenizer.js';
import type { Message, ToolSchema } from '../messages.js';
import { createSandbox } from '../sandbox/index.js';
import { createLocalModel, localModelFrom } from './local.js';
import { assertModelContract } from './model-contract.js';
import { createModel } from './spec.js';

const dir = mkdtempSync(join(tmpdir(), 'loopsmith-local-'));
after(() => rmSync(dir, { recursive: true, force: true }));
// Trained on the harness's own sources so its long system prompt fits a small context.
const tok = trainTokenizer(
  ['harness/session.ts', 'harness/prompt.ts', 'messages.ts'].map((f) =>
    readFileSync(`src/${f}`, 'utf8'),
  ),
  1200,
);
const model = initModel(deriveConfig(1, { vocabSize: 1200, maxSeqLen: 4096 }), 7, tok);
const tools: ToolSchema[] = [
  {
    type: 'function',
    function: {
      name: 'read',
      description: 'Read a file.',
      parameters: { type: 'object', properties: { path: { type: 'string' } } },
    },
  },
];
const messages: Message[] = [
  { role: 'system', content: 'You are a coding agent.' },
  { role: 'user', content: 'Fix the bug in src/a.ts.' },
];

test('the local model passes the Model contract and reports exact tokens and usage', async () => {
  const m = localModelFrom(model, 'local:test', { maxTokens: 24, seed: 3 });
  await assertModelContract(m);
  const r = await m.complete({ messages, tools });
  const prompt = new ChatTemplate(tok).renderPrompt(messages, tools);
  assert.deepEqual(r.tokens?.promptIds, prompt);
  assert.equal(r.usage.estimated, false);
  assert.equal(r.usage.promptTokens, prompt.length);
  assert.equal(r.usage.completionTokens, r.tokens?.completionIds.length);
  assert.ok(r.tokens?.logprobs?.every((x) => Number.isFinite(x) && x <= 0));
  // Same seed, same call order: the same reply, token for token.
  const a = await localModelFrom(model, 'local:test', { maxTokens: 24, seed: 3 }).complete({
    messages,
    tools,
  });
  const b = await localModelFrom(model, 'local:test', { maxTokens: 24, seed: 3 }).complete({
    messages,
    tools,
  });
  assert.deepEqual(a.tokens, b.tokens);
  assert.deepEqual(a.message, b.message);
  assert.ok((r.tokens?.completionIds.length ?? 0) <= 24);
});

test('local:CKPT_DIR loads through the model spec; a bad directory is a precise error', async () => {
  const ckpt = join(dir, 'ckpt');
  saveCheckpoint(ckpt, model);
  const m = await createModel(`local:${ckpt}`, { local: { maxTokens: 8 } });
  assert.equal(m.id, `local:${ckpt}`);
  const r = await m.complete({ messages, tools });
  assert.ok(r.usage.completionTokens <= 8);
  await assert.rejects(
    createLocalModel(join(dir, 'missing')),
    /local:.*missing: checkpoint .*no config.json/,
  );
  const tiny = initModel(deriveConfig(1, { vocabSize: 1200, maxSeqLen: 16 }), 1, tok);
  await assert.rejects(
    localModelFrom(tiny, 'local:tiny').complete({ messages, tools }),
    /prompt is \d+ tokens, the model's context is 16/,
  );
});

test('the local model drives the real harness; each turn prompt extends the last prompt + completion', async () => {
  const root = mkdtempSync(join(dir, 'ws-'));
  writeFileSync(join(root, 'a.js'), 'export const add = (a, b) => a - b;\n');
  const m = localModelFrom(model, 'local:test', { maxTokens: 32, seed: 1 });
  const t = await runAgent('Fix add in a.js.', m, createSandbox('none', root), {
    maxTurns: 3,
    maxFormatErrors: 5,
  });
  assert.ok(
    t.turns.length >= 2,
    `ran ${t.turns.length} turns (status ${t.status}: ${t.message ?? ''})`,
  );
  for (let i = 1; i < t.turns.length; i++) {
    const prev = t.turns[i - 1].tokens;
    const cur = t.turns[i].tokens;
    assert.ok(prev && cur, 'every turn keeps its token ids');
    const expected = [...prev.promptIds, ...prev.completionIds];
    assert.deepEqual(
      cur.promptIds.slice(0, expected.length),
      expected,
      `turn ${i + 1} prompt does not extend turn ${i}`,
    );
  }
});

test('loopsmith run --model local:CKPT_DIR runs the real CLI end to end', () => {
  const ckpt = join(dir, 'cli-ckpt');
  saveCheckpoint(ckpt, model);
  const root = mkdtempSync(join(dir, 'cli-ws-'));
  writeFileSync(join(root, 'a.js'), 'export const add = (a, b) => a - b;\n');
  const traj = join(dir, 'cli-traj.json');
  const r = spawnSync(
    process.execPath,
    [
      'dist/src/cli/main.js',
      'run',
      '--repo',
      root,
      '--model',
      `local:${ckpt}`,
      '--max-turns',
      '1',
      '--sandbox',
      'none',
      '--yes',
      '--trajectory',
      traj,
      'Fix add in a.js.',
    ],
    { encoding: 'utf8' },
  );
  // An untrained model will not finish: the run ends on the turn limit (3) or on malformed replies (6).
  assert.ok(r.status === 3 || r.status === 6, `exit ${r.status}: ${r.stderr}`);
  const t = JSON.parse(readFileSync(traj, 'utf8'));
  assert.equal(t.model, `local:${ckpt}`);
  assert.ok(t.turns[0].tokens.promptIds.length > 0 && t.turns[0].tokens.completionIds.length > 0);
  assert.equal(t.turns[0].usage.estimated, false);
});

test('providers of one model share a worker: concurrent calls batch and match in-thread ones', async () => {
  const opts = { maxTokens: 16, temperature: 1 };
  const ms = [1, 2, 3].map((seed) => localModelFrom(model, `local:s${seed}`, { ...opts, seed }));
  const got = await Promise.all(ms.map((m) => m.complete({ messages, tools })));
  for (const [i, seed] of [1, 2, 3].entries()) {
    const want = await localModelFrom(model, 'local:in-thread', {
      ...opts,
      seed,
      worker: false,
    }).complete({ messages, tools });
    assert.deepEqual(got[i].tokens?.completionIds, want.tokens?.completionIds, `seed ${seed}`);
  }
  await Promise.all(ms.map((m) => m.close?.()));
});

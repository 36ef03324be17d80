import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message, ToolSchema } from '../messages.js';
import { CallAcceptor, type CallGrammar, grammarFor, tokenPieces } from './call-grammar.js';
import { deriveConfig } from './config.js';
import { generate, generateGroup } from './generate.js';
import { GenerationWorker } from './generate-worker.js';
import { forwardLogits, initModel } from './model.js';
import { ChatTemplate } from './template.js';

const tool = (name: string, props: Record<string, string>, required: string[]): ToolSchema => ({
  type: 'function',
  function: {
    name,
    description: name,
    parameters: {
      type: 'object',
      properties: Object.fromEntries(Object.entries(props).map(([k, t]) => [k, { type: t }])),
      required,
    },
  },
});
const TOOLS = [
  tool('read', { path: 'string', offset: 'integer' }, ['path']),
  tool(
    'edit',
    { path: 'string', old_string: 'string', new_string: 'string', replace_all: 'boolean' },
    ['path', 'old_string', 'new_string'],
  ),
  tool('finish', {}, []),
];
const messages: Message[] = [
  { role: 'user', content: 'fix it' },
  {
    role: 'tool',
    tool_call_id: 'c',
    content: '1\tconst a = 1;\n2\tif (a < 2) {\n3\t  return "x";',
  },
];
// Byte tokens 0..255, specials after them: the acceptor reads bytes either way.
const pieces = Array.from({ length: 256 }, (_, b) => String.fromCharCode(b));
const CALL = 300;
const END = 301;
const g = grammarFor(TOOLS, messages, { toolCall: CALL, stops: [END] });

/** Feeds text byte by byte (after `<|tool_call|>`); the index of the first refused byte, or -1. */
function feed(acc: CallAcceptor, text: string): number {
  for (let i = 0; i < text.length; i++) if (!acc.accept(text.charCodeAt(i))) return i;
  return -1;
}
function opened(gr: CallGrammar = g): CallAcceptor {
  const acc = new CallAcceptor(gr, pieces);
  assert.equal(feed(acc, 'Let me look.'), -1);
  assert.equal(acc.allows(END), false, 'a reply must make a call');
  assert.ok(acc.accept(CALL));
  return acc;
}

test('a well-formed call is accepted, then only end-of-turn', () => {
  const acc = opened();
  const body =
    '{"name":"edit","arguments":{"path":"a.js","old_string":"if (a < 2) {\\n  return","new_string":"if (a <= 2) {"}}';
  assert.equal(feed(acc, body), -1);
  assert.ok(acc.complete);
  assert.equal(acc.allows(CALL), false, 'one call per turn');
  assert.equal(acc.allows('x'.charCodeAt(0)), false);
  assert.ok(acc.accept(END));
  const r = opened();
  assert.equal(feed(r, '{"name":"read","arguments":{"offset":-12,"path":"b"}}'), -1);
  const f = opened();
  assert.equal(feed(f, '{"name":"finish","arguments":{}}'), -1);
});

test('names, keys, types and required arguments are enforced', () => {
  // Each text's last byte is the first one refused.
  const bad = [
    '{"name":"reax', // no tool starts with "reax"
    '{"name":"read","arguments":{"pah', // no argument starts with "pah"
    '{"name":"read","arguments":{"offset":1}', // path is required
    '{"name":"read","arguments":{"path":3', // path is a string
    '{"name":"read","arguments":{"offset":"', // offset is an integer
    '{"name":"read","arguments":{"path":"a","p', // no argument twice
    '{"name":"read","arguments":{"path":"a"} ', // no space: the compact form
    '{"name":"edit","arguments":{"replace_all":tru3',
    '{"name":"read","arguments":{"path":"a\\q', // not a JSON escape
    '{"name":"read", ',
  ];
  for (const text of bad) assert.equal(feed(opened(), text), text.length - 1, text);
});

test("edit's old_string must be text the model was shown, line numbers off, escapes decoded", () => {
  const pre = '{"name":"edit","arguments":{"path":"a.js","old_string":"';
  const ok = ['const a = 1;', 'a < 2) {\\n  return \\"x\\"', 'fix it'];
  for (const v of ok) assert.equal(feed(opened(), `${pre}${v}"`), -1, v);
  // "2\t" is the read view's line number, not file text; "a > 2" was never shown.
  assert.equal(feed(opened(), `${pre}1;\\n2\\tif`), pre.length + 4);
  assert.equal(feed(opened(), `${pre}if (a >`), pre.length + 6);
  assert.equal(feed(opened(), `${pre}"`), pre.length, 'an empty old_string');
  // \u could only be checked after its fourth digit (a dead end if wrong); a backslash that no
  // escape would continue is refused at once.
  assert.equal(feed(opened(), `${pre}\\u0063`), pre.length + 1);
  assert.equal(feed(opened(), `${pre}const\\`), pre.length + 5);
  // new_string is free.
  assert.equal(feed(opened(), `${pre}a","new_string":"anything at all"}}`), -1);
});

test("edit's new_string must differ from its old_string, in either order, escapes decoded", () => {
  const pre = '{"name":"edit","arguments":{"path":"a.js",';
  const same = `${pre}"old_string":"a < 2) {\\n","new_string":"a < 2) {\\n"`;
  // Refused at new_string's closing quote; one more character and it is a change.
  assert.equal(feed(opened(), same), same.length - 1);
  assert.equal(
    feed(opened(), `${pre}"old_string":"a < 2) {\\n","new_string":"a < 2) {\\n}"}}`),
    -1,
  );
  // The same text written with another escape is the same text.
  const esc = `${pre}"old_string":"const a","new_string":"\\u0063onst a"`;
  assert.equal(feed(opened(), esc), esc.length - 1);
  // new_string first: old_string's closing quote is the refused byte.
  const rev = `${pre}"new_string":"const a","old_string":"const a"`;
  assert.equal(feed(opened(), rev), rev.length - 1);
  assert.equal(feed(opened(), `${pre}"new_string":"","old_string":"const a"}}`), -1, 'a deletion');
  // Only for the pairs asked for: with none, the identical edit is the model's to make.
  const free = grammarFor(TOOLS, messages, { toolCall: CALL, stops: [END] }, undefined, {});
  assert.equal(feed(opened(free), `${same}}}`), -1);
});

test('the text before the call is bounded, and end-of-turn before a call is allowed only when asked', () => {
  const acc = new CallAcceptor({ ...g, maxHead: 3 }, pieces);
  assert.equal(feed(acc, 'abc'), -1);
  assert.equal(acc.allows('d'.charCodeAt(0)), false);
  assert.ok(acc.allows(CALL));
  const free = new CallAcceptor({ ...g, requireCall: false }, pieces);
  assert.equal(feed(free, 'done'), -1);
  assert.ok(free.accept(END));
});

// A random model: strict decoding must still make it write one valid call, with its own logprobs.
const cfg = deriveConfig(1, { vocabSize: 300, maxSeqLen: 512, nKvHeads: 1 });
const model = initModel(cfg, 11);
for (let i = 0; i < model.paramSet.flat.length; i++) model.paramSet.flat[i] *= 4;
const tpl = new ChatTemplate(model.tokenizer);
const onlyCopy = [tool('edit', { old_string: 'string' }, ['old_string'])];
const shown: Message[] = [{ role: 'tool', tool_call_id: 'c', content: 'return a + b;' }];
const strict = {
  ...grammarFor(onlyCopy, shown, { toolCall: tpl.toolCall, stops: tpl.stopIds }),
  maxHead: 4,
};
const prompt = tpl.renderPrompt([{ role: 'user', content: 'hi' }]);

function checkReply(ids: number[], logprobs: number[]): void {
  const msg = tpl.parseCompletion(ids);
  assert.equal(ids.at(-1), tpl.end, 'the call is closed and the turn ended');
  assert.equal(msg.tool_calls?.length, 1);
  const args = JSON.parse(msg.tool_calls?.[0].function.arguments ?? '') as { old_string: string };
  assert.ok(
    'return a + b;'.includes(args.old_string) && args.old_string.length > 0,
    args.old_string,
  );
  // Every token was allowed in turn, and its logprob is the unconstrained model's.
  const acc = new CallAcceptor(strict, tokenPieces(model.tokenizer));
  for (const id of ids) assert.ok(acc.accept(id), `token ${id}`);
  const logits = forwardLogits(model, [...prompt, ...ids].slice(0, -1));
  const V = cfg.vocabSize;
  ids.forEach((id, k) => {
    const row = logits.subarray((prompt.length - 1 + k) * V, (prompt.length + k) * V);
    let max = -Infinity;
    for (const x of row) max = Math.max(max, x);
    let z = 0;
    for (const x of row) z += Math.exp(x - max);
    assert.ok(Math.abs(logprobs[k] - (row[id] - max - Math.log(z))) < 1e-3, `logprob ${k}`);
  });
}

test('strict decoding makes a random model write one valid call (greedy, sampled, group, worker)', async () => {
  const free = generate(model, prompt, { maxTokens: 60, temperature: 0, stopIds: tpl.stopIds });
  assert.notEqual(tpl.parseCompletion(free.ids).tool_calls?.length, 1, 'unconstrained it does not');
  const o = { maxTokens: 120, stopIds: tpl.stopIds, grammar: strict };
  const greedy = generate(model, prompt, { ...o, temperature: 0 });
  checkReply(greedy.ids, greedy.logprobs);
  for (const seed of [1, 2, 3]) {
    const s = generate(model, prompt, { ...o, temperature: 1, seed });
    checkReply(s.ids, s.logprobs);
  }
  const group = generateGroup(model, prompt, 3, { ...o, temperature: 1, seed: 1 });
  for (const r of group) checkReply(r.ids, r.logprobs);
  const w = new GenerationWorker(model);
  try {
    const r = await w.generate(prompt, { ...o, temperature: 0 });
    assert.deepEqual(r.ids, greedy.ids);
    const rs = await w.generateGroup(prompt, 2, { ...o, temperature: 1, seed: 5 });
    for (const x of rs) checkReply(x.ids, x.logprobs);
  } finally {
    await w.close();
  }
});

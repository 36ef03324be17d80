import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { AssistantMessage, Message } from '../messages.js';
import { ChatTemplate, parseAssistant, parseCallJson } from './template.js';
import { conversation, tools } from './template-testdata.js';
import { trainTokenizer } from './tokenizer.js';

const tok = trainTokenizer(
  [readFileSync('src/lm/tokenizer.ts', 'utf8'), readFileSync('src/lm/template.ts', 'utf8')],
  900,
);
const tpl = new ChatTemplate(tok);
const startsWith = (a: number[], prefix: number[]) =>
  prefix.length <= a.length && prefix.every((x, i) => a[i] === x);

test('prefix property: every conversation renders as a prefix of its continuations', () => {
  for (let seed = 1; seed <= 30; seed++) {
    const msgs = conversation(seed);
    let prev = tpl.renderChat([], tools).ids;
    for (let k = 1; k <= msgs.length; k++) {
      const cur = tpl.renderChat(msgs.slice(0, k), tools).ids;
      assert.ok(startsWith(cur, prev), `seed ${seed}: ${k - 1} messages are not a prefix of ${k}`);
      const m = msgs[k - 1];
      if (m.role === 'assistant') {
        // Turn N's prompt + completion is exactly the rendered conversation that includes it.
        const prompt = tpl.renderPrompt(msgs.slice(0, k - 1), tools);
        assert.deepEqual([...prompt, ...tpl.assistantBody(m)], cur);
      }
      prev = cur;
    }
  }
});

test('loss mask is 1 exactly on what the assistant wrote, end token included', () => {
  for (let seed = 1; seed <= 10; seed++) {
    const msgs = conversation(seed);
    const { ids, mask } = tpl.renderChat(msgs, tools);
    assert.equal(ids.length, mask.length);
    const written = ids.filter((_, i) => mask[i] === 1);
    const expected = msgs
      .filter((m): m is AssistantMessage => m.role === 'assistant')
      .flatMap((m) => tpl.assistantBody(m));
    assert.deepEqual(written, expected);
    // Headers are prompt, not completion: every masked run starts right after <|assistant|>.
    for (let i = 1; i < ids.length; i++)
      if (mask[i] === 1 && mask[i - 1] === 0)
        assert.equal(ids[i - 1], tok.special['<|assistant|>']);
  }
});

test('assistant messages parse back from their ids and from their text', () => {
  for (let seed = 1; seed <= 20; seed++) {
    for (const m of conversation(seed).filter(
      (x): x is AssistantMessage => x.role === 'assistant',
    )) {
      const body = tpl.assistantBody(m);
      assert.deepEqual(tpl.parseCompletion(body), m);
      assert.deepEqual(
        tpl.parseCompletion(body.slice(0, -1)),
        m,
        'a missing stop token changes nothing',
      );
    }
  }
  // Only the special id starts a call: text spelling the marker stays text.
  const fake: AssistantMessage = {
    role: 'assistant',
    content: 'see <|tool_call|>{"name":"read","arguments":{}}',
  };
  assert.deepEqual(tpl.parseCompletion(tpl.assistantBody(fake)), fake);
  const parsed = parseAssistant(
    'hi<|tool_call|>{"name":"read","arguments":{"path":"a"}}<|tool_call|>{"name":"finish","arguments":{}}<|end|>junk',
  );
  assert.deepEqual(parsed, {
    role: 'assistant',
    content: 'hi',
    tool_calls: [
      { id: 'call_0', type: 'function', function: { name: 'read', arguments: '{"path":"a"}' } },
      { id: 'call_1', type: 'function', function: { name: 'finish', arguments: '{}' } },
    ],
  });
});

test('malformed call bodies keep a call when a name is readable, else stay text', () => {
  // Brackets are repaired (json-repair.ts); other damage keeps the raw text for the harness to report.
  assert.deepEqual(parseCallJson('{"name":"read","arguments":{"path": "a" "limit": 2}}'), [
    { name: 'read', arguments: '{"path": "a" "limit": 2}' },
  ]);
  assert.deepEqual(parseCallJson('no json here'), []);
  assert.deepEqual(parseAssistant('x<|tool_call|>oops'), { role: 'assistant', content: 'xoops' });
});

test('exact sampled ids override re-encoding of an assistant turn', () => {
  const msgs: Message[] = [
    { role: 'user', content: 'hi' },
    { role: 'assistant', content: 'ab' },
  ];
  const sampled = [
    ...tok.encodeBytes(Uint8Array.of(97)),
    ...tok.encodeBytes(Uint8Array.of(98)),
    tpl.end,
  ];
  const { ids } = tpl.renderChat(msgs, [], {
    assistantIds: (_m, i) => (i === 1 ? sampled : undefined),
  });
  assert.deepEqual(ids.slice(-3), sampled);
  assert.throws(
    () => tpl.renderChat([{ role: 'user' } as unknown as Message]),
    /message 0 \(user\) has no string content/,
  );
});

test('ids past the tokenizer (padded embedding rows) parse as nothing', () => {
  const ids = [...tok.encode('ok'), tok.vocabSize + 3, tpl.end];
  assert.deepEqual(tpl.parseCompletion(ids), { role: 'assistant', content: 'ok' });
});

test('a rendered prompt re-tokenized with specials parsed gives the same ids (llama.cpp server path)', () => {
  for (let seed = 1; seed <= 20; seed++) {
    // Content that spells a special token is the one case that must differ, so leave it out.
    const msgs = conversation(seed).filter((m) => !JSON.stringify(m).includes('<|'));
    const ids = tpl.renderPrompt(msgs, tools);
    assert.deepEqual(tok.encodeWithSpecials(tok.decode(ids)), ids, `seed ${seed}`);
  }
  assert.deepEqual(tok.encodeWithSpecials('<|user|>hi<|end|>'), [
    tok.special['<|user|>'],
    ...tok.encode('hi'),
    tok.special['<|end|>'],
  ]);
});

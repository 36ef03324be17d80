import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from '../messages.js';
import { ModelError } from './model.js';
import { createScriptedModel, parseScript } from './scripted.js';

const FIX = 'src/providers/fixtures/scripted-fix.json';
const messages: Message[] = [{ role: 'user', content: 'Fix clamp().' }];

test('returns the messages in order, then fails with the turn count', async () => {
  const m = await createScriptedModel(FIX);
  assert.equal(m.id, `scripted:${FIX}`);
  const r1 = await m.complete({ messages, tools: [] });
  assert.equal(r1.message.content, 'Running the tests first.');
  assert.deepEqual(r1.message.tool_calls, [
    {
      id: 'call_a',
      type: 'function',
      function: { name: 'bash', arguments: '{"command":"npm test"}' },
    },
  ]);
  assert.equal(r1.finishReason, 'tool_calls');
  assert.equal(r1.usage.estimated, true);
  assert.ok(r1.usage.promptTokens > 0 && r1.usage.completionTokens > 0);

  const r2 = await m.complete({ messages, tools: [] });
  assert.equal(r2.message.content, null);
  // Object arguments are re-serialized; missing ids are generated, unique across turns.
  assert.deepEqual(
    r2.message.tool_calls?.map((c) => [c.id, c.function.name, c.function.arguments]),
    [
      ['call_1_0', 'read', '{"path":"src/clamp.js"}'],
      ['call_1_1', 'edit', '{"path":"src/clamp.js","old_string":"x < lo","new_string":"x <= lo"}'],
    ],
  );
  const r3 = await m.complete({ messages, tools: [] });
  assert.deepEqual(r3.message, { role: 'assistant', content: 'Fixed the off-by-one in clamp().' });
  assert.equal(r3.finishReason, 'stop');

  await assert.rejects(m.complete({ messages, tools: [] }), (e: Error) => {
    assert.ok(e instanceof ModelError);
    assert.equal(e.message, 'scripted model ran out of messages after 3 turns');
    return true;
  });
});

test('a bad file names the index and field', async () => {
  await assert.rejects(
    createScriptedModel('src/providers/fixtures/scripted-bad.json'),
    /scripted model file .*scripted-bad\.json: \[2\]\.tool_calls\[0\]\.function\.name: /,
  );
  assert.throws(
    () => parseScript([{ content: 'a' }, {}], 'x.json'),
    /x\.json: \[1\]: needs `content` or a non-empty `tool_calls`/,
  );
  assert.throws(
    () => parseScript([{ content: 'a', tool_call: [] }], 'x.json'),
    /\[0\]: Unrecognized key: "tool_call"/,
  );
  assert.throws(
    () => parseScript({ messages: [] }, 'x.json'),
    /x\.json: \(top level\): Invalid input: expected array/,
  );
  assert.throws(
    () => parseScript([{ tool_calls: [{ function: { name: 'a', arguments: 3 } }] }], 'x.json'),
    /\[0\]\.tool_calls\[0\]\.function\.arguments/,
  );
});

test('unreadable or non-JSON files give clear errors', async () => {
  await assert.rejects(
    createScriptedModel('src/providers/fixtures/no-such.json'),
    /scripted model file .*no-such\.json cannot be read: ENOENT/,
  );
  await assert.rejects(
    createScriptedModel('src/providers/model.ts'),
    /scripted model file src\/providers\/model\.ts is not valid JSON/,
  );
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from '../messages.js';
import { createReplayModel, replayTurns } from './replay.js';

const TRAJ = 'src/providers/fixtures/trajectory.json';
const messages: Message[] = [{ role: 'user', content: 'Fix clamp' }];

test('replays the assistant turns in order with their recorded usage', async () => {
  const m = await createReplayModel(TRAJ);
  assert.equal(m.id, `replay:${TRAJ}`);
  const r1 = await m.complete({ messages, tools: [] });
  assert.deepEqual(r1.message.tool_calls?.[0].function, {
    name: 'bash',
    arguments: '{"command":"npm test"}',
  });
  assert.deepEqual(r1.usage, {
    promptTokens: 300,
    completionTokens: 12,
    cachedTokens: 0,
    estimated: false,
  });
  assert.equal(r1.finishReason, 'tool_calls');
  const r2 = await m.complete({ messages, tools: [] });
  assert.equal(r2.message.content, 'Done.');
  assert.equal(r2.usage.promptTokens, 340);
  await assert.rejects(
    m.complete({ messages, tools: [] }),
    /replay model ran out of messages after 2 turns/,
  );
});

test('without per-turn records usage is estimated', async () => {
  const turns = replayTurns(
    {
      messages: [
        { role: 'user', content: 'x' },
        { role: 'assistant', content: 'y' },
      ],
    },
    't.json',
  );
  assert.equal(turns.length, 1);
  assert.equal(turns[0].usage, undefined);
});

test('bad records are named precisely', async () => {
  assert.throws(
    () => replayTurns({ steps: [] }, 't.json'),
    /replay trajectory t\.json: messages: Invalid input: expected array/,
  );
  assert.throws(
    () => replayTurns({ messages: [{ role: 'user', content: 'x' }] }, 't.json'),
    /t\.json has no assistant messages/,
  );
  assert.throws(
    () =>
      replayTurns(
        {
          messages: [
            {
              role: 'assistant',
              content: null,
              tool_calls: [{ id: 'a', type: 'function', function: { name: 'x' } }],
            },
          ],
        },
        't.json',
      ),
    /messages\[0\]: tool_calls\[0\]\.function\.arguments: /,
  );
  await assert.rejects(
    createReplayModel('src/providers/fixtures/none.json'),
    /replay trajectory .*none\.json cannot be loaded: ENOENT/,
  );
});

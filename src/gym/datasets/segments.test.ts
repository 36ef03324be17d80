// A compacted rollout gives one dataset row per segment, each rendered from that segment's
// own messages with its own sampled ids (token-exact), and RL samples carry every segment.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Trajectory } from '../../harness/trajectory.js';
import { ChatTemplate } from '../../lm/template.js';
import { trainTokenizer } from '../../lm/tokenizer.js';
import type { Message } from '../../messages.js';
import type { RolloutRecord } from '../rollout.js';
import { rlGroups } from './rl.js';
import { segmentRecords } from './segments.js';
import { toTrl } from './sft.js';
import { tokenRow } from './tokens.js';

const call = (id: string, command: string) => ({
  id,
  type: 'function' as const,
  function: { name: 'bash', arguments: JSON.stringify({ command }) },
});
const sys: Message = { role: 'system', content: 'You are a coding agent.' };
const before: Message[] = [
  sys,
  { role: 'user', content: 'Fix it.' },
  { role: 'assistant', content: null, tool_calls: [call('a', 'npm test')] },
  { role: 'tool', tool_call_id: 'a', content: 'not ok 1 - adds' },
];
const after: Message[] = [
  sys,
  { role: 'user', content: 'Fix it.\n\nSummary of the work so far: the add test fails.' },
  { role: 'assistant', content: null, tool_calls: [call('b', 'cat a.js')] },
  { role: 'tool', tool_call_id: 'b', content: 'export const add = (a, b) => a - b;' },
];
const usage = { promptTokens: 1, completionTokens: 1, estimated: false };
const turn = (n: number, completionIds: number[]) => ({
  turn: n,
  messageIndex: 2,
  usage,
  modelMs: 1,
  tools: [],
  tokens: { promptIds: [1], completionIds, logprobs: completionIds.map(() => -0.5) },
});

function record(): RolloutRecord {
  const trajectory = {
    messages: after,
    turns: [turn(1, [301, 7]), turn(2, [302, 8])],
    compactions: [
      { afterTurn: 1, kind: 'summary', messages: before, tokensBefore: 9, tokensAfter: 5 },
    ],
    tools: [],
    status: 'submitted',
  } as unknown as Trajectory;
  return {
    taskId: 't',
    k: 0,
    seed: 0,
    stage: 1,
    status: 'submitted',
    cutByLimit: false,
    grade: { resolved: true },
    reward: { reward: 1 },
    trajectory,
  } as unknown as RolloutRecord;
}

test('one row per segment, each from its own messages and sampled ids', () => {
  const segs = segmentRecords(record());
  assert.equal(segs.length, 2);
  assert.deepEqual(
    segs.map((s) => [s.segment, s.trajectory.messages, s.trajectory.turns.map((t) => t.turn)]),
    [
      [0, before, [1]],
      [1, after, [2]],
    ],
  );
  assert.deepEqual((toTrl(segs[1]).messages as Message[])[1].content, after[1].content);
  const tok = trainTokenizer(['npm test cat a.js Fix it. Summary of the work so far'], 300);
  const template = new ChatTemplate(tok);
  for (const [i, s] of segs.entries()) {
    const row = tokenRow(s, template) as { ids: number[]; mask: number[] };
    const id = 301 + i;
    const at = row.ids.indexOf(id);
    assert.ok(at > 0, `segment ${i} row lacks its sampled ids`);
    assert.deepEqual(row.ids.slice(at, at + 2), [id, 7 + i]);
    assert.deepEqual(row.mask.slice(at, at + 2), [1, 1]);
    assert.equal(row.ids.indexOf(301 + (1 - i)), -1, 'a row holds only its own segment');
  }
  // Never compacted: the record as it is.
  const plain = { ...record(), trajectory: { ...record().trajectory, compactions: undefined } };
  assert.deepEqual(segmentRecords(plain), [plain]);
});

test('RL samples of a compacted rollout carry every segment with its tokens', () => {
  const [g] = rlGroups([record()]);
  const s = g.samples[0];
  assert.deepEqual(s.messages, after);
  assert.deepEqual(
    s.tokens.map((t) => t.completionIds),
    [[302, 8]],
  );
  assert.deepEqual(
    s.segments?.map((x) => [x.messages.length, x.tokens.map((t) => t.completionIds)]),
    [
      [4, [[301, 7]]],
      [4, [[302, 8]]],
    ],
  );
});

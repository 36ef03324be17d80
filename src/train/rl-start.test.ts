import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { AssistantMessage, Message } from '../messages.js';
import type { CompletionRequest, Model } from '../providers/model.js';
import { fromTeacher, startedModel, startPrefix, teacherStarts } from './rl-start.js';
import { StageInputError } from './stage.js';

const call = (name: string, args: object, id: string): AssistantMessage => ({
  role: 'assistant',
  content: null,
  tool_calls: [{ id, type: 'function', function: { name, arguments: JSON.stringify(args) } }],
});
const teacher: Message[] = [
  { role: 'system', content: 's' },
  { role: 'user', content: 'fix' },
  call('read', { path: 'package.json' }, 'a'),
  { role: 'tool', tool_call_id: 'a', content: '{}' },
  call('bash', { command: 'npm test' }, 'b'),
  { role: 'tool', tool_call_id: 'b', content: 'not ok' },
  call('read', { path: 'src/x.js' }, 'c'),
  { role: 'tool', tool_call_id: 'c', content: '1\tx' },
  call('edit', { path: 'src/x.js', old_string: 'x', new_string: 'y' }, 'd'),
  { role: 'tool', tool_call_id: 'd', content: 'edited' },
  call('finish', {}, 'e'),
];

test('the start is the teacher turns before its first edit, less `back`', () => {
  const names = (p: AssistantMessage[] | null) => p?.map((m) => m.tool_calls?.[0].id);
  assert.deepEqual(names(startPrefix(teacher, 0)), ['a', 'b', 'c']);
  assert.deepEqual(names(startPrefix(teacher, 2)), ['a']);
  assert.deepEqual(names(startPrefix(teacher, 9)), []);
  assert.equal(startPrefix(teacher.slice(0, 8), 0), null, 'no edit: no start');
});

test('a started model replays the prefix without usage or ids, then is the policy', async () => {
  const seen: number[] = [];
  const inner: Model = {
    id: 'local:p',
    contextWindow: 99,
    async complete(r: CompletionRequest) {
      seen.push(r.messages.length);
      return {
        message: call('finish', {}, 'z'),
        usage: { promptTokens: 5, completionTokens: 2, estimated: false },
        tokens: { promptIds: [1], completionIds: [2], logprobs: [-1] },
      };
    },
  };
  const m = startedModel(startPrefix(teacher, 0) ?? [], inner);
  assert.equal(m.id, 'local:p');
  assert.equal(m.contextWindow, 99);
  const req = { messages: [] as Message[], tools: [] };
  for (const id of ['a', 'b', 'c']) {
    const r = await m.complete(req);
    assert.equal(r.message.tool_calls?.[0].id, id);
    assert.equal(r.tokens, undefined);
    assert.equal(r.usage.completionTokens, 0);
  }
  const r = await m.complete({ ...req, messages: teacher.slice(0, 8) });
  assert.deepEqual(r.tokens?.completionIds, [2]);
  assert.deepEqual(seen, [8]);
});

const dir = mkdtempSync(join(tmpdir(), 'rl-start-'));
after(() => rmSync(dir, { recursive: true, force: true }));
function record(run: string, task: string, k: number, resolved: boolean, messages: Message[]) {
  mkdirSync(join(run, 'rollouts', task), { recursive: true });
  const rec = {
    format: 'loopsmith.rollout/1',
    taskId: task,
    k,
    grade: { resolved },
    trajectory: { messages },
  };
  writeFileSync(join(run, 'rollouts', task, `${k}.json`), JSON.stringify(rec));
}

test('teacher starts come from resolved rollouts that edit; bad input is a one-line user error', async () => {
  const run = join(dir, 'teacher');
  record(run, 't1', 0, false, teacher.slice(0, 6).concat(teacher.slice(8)));
  record(run, 't1', 1, true, teacher);
  record(run, 't2', 0, true, teacher.slice(0, 8)); // never edits
  record(run, 't3', 0, false, teacher); // not resolved
  const s = await teacherStarts(run, 1);
  assert.deepEqual([...s.keys()], ['t1']);
  assert.deepEqual(
    s.get('t1')?.map((m) => m.tool_calls?.[0].id),
    ['a', 'b'],
  );
  await assert.rejects(teacherStarts(join(dir, 'missing'), 0), (e: Error) => {
    assert.ok(e instanceof StageInputError);
    assert.match(e.message, /^--teacher-start .*no rollouts\/ folder/);
    return true;
  });
  await assert.rejects(teacherStarts(run, -1), /--teacher-back must be an integer >= 0/);
  const none = join(dir, 'none');
  record(none, 't3', 0, false, teacher);
  await assert.rejects(teacherStarts(none, 0), /no resolved teacher rollout that edits/);
});

test('--teacher-fraction: a deterministic share of (task, step) pairs starts after the teacher', () => {
  const ids = Array.from({ length: 400 }, (_, i) => `task-${i}`);
  assert.ok(ids.every((id) => fromTeacher(id, 3, 0, 1)));
  assert.ok(ids.every((id) => !fromTeacher(id, 3, 0, 0)));
  const half = ids.filter((id) => fromTeacher(id, 3, 0, 0.5)).length;
  assert.ok(half > 150 && half < 250, `${half} of 400 at 0.5`);
  const quarter = ids.filter((id) => fromTeacher(id, 3, 0, 0.25)).length;
  assert.ok(quarter > 60 && quarter < 140, `${quarter} of 400 at 0.25`);
  // Same inputs, same choice (a resumed step redoes it alike); another step chooses anew.
  assert.deepEqual(
    ids.map((id) => fromTeacher(id, 3, 0, 0.5)),
    ids.map((id) => fromTeacher(id, 3, 0, 0.5)),
  );
  const moved = ids.filter((id) => fromTeacher(id, 3, 0, 0.5) !== fromTeacher(id, 4, 0, 0.5));
  assert.ok(moved.length > 100, `${moved.length} tasks switch between steps 3 and 4`);
});

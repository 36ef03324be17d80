// The DAgger expert acts right from any state: the start, after a wrong edit, after a
// format error; it resolves factory tasks through the real harness and grader; DAgger
// records keep a label for every turn the student reached.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runRollouts } from '../gym/rollout.js';
import { factoryTasks } from '../gym/test-utils.js';
import { agentFiles } from '../gym/workspace.js';
import type { Message } from '../messages.js';
import { createListModel } from '../providers/scripted.js';
import { runDagger } from './dagger.js';
import { expertAction, firstHunkEdit, lineHunks } from './expert.js';

const gts = factoryTasks();
const dir = mkdtempSync(join(tmpdir(), 'expert-'));

test('lineHunks and firstHunkEdit: the first differing hunk, widened until unique', () => {
  assert.deepEqual(lineHunks(['a', 'b', 'c'], ['a', 'x', 'c']), [{ a0: 1, a1: 2, b0: 1, b1: 2 }]);
  assert.deepEqual(lineHunks(['a', 'c'], ['a', 'b', 'c']), [{ a0: 1, a1: 1, b0: 1, b1: 2 }]);
  const e = firstHunkEdit('f.js', 'x\n}\ny\n}\n', 'x\n}\nz\n}\n');
  assert.deepEqual(e?.edit, ['edit', { path: 'f.js', old_string: 'y', new_string: 'z' }]);
  const dup = firstHunkEdit('f.js', 'a\nq\nb\nq\n', 'a\nq\nb\nr\n');
  assert.equal(dup?.edit[1].old_string, 'b\nq', 'a non-unique line is widened with context');
  assert.equal(firstHunkEdit('f.js', 'same', 'same'), null);
});

test('the expert recovers from a student state: a wrong edit is read, then undone to the fix', () => {
  const gt = gts[0];
  const start = agentFiles(gt);
  const path = Object.keys(gt.repo.files).find(
    (p) => start[p] !== undefined && start[p] !== gt.repo.files[p],
  ) as string;
  const firstLine = start[path].split('\n').find((l) => l.trim().length > 3) as string;
  const call = (id: string, name: string, args: object) => ({
    id,
    type: 'function' as const,
    function: { name, arguments: JSON.stringify(args) },
  });
  const msgs: Message[] = [
    { role: 'system', content: 's' },
    { role: 'user', content: 'fix it' },
    { role: 'assistant', content: null, tool_calls: [call('a', 'bash', { command: 'npm test' })] },
    { role: 'tool', tool_call_id: 'a', content: 'not ok 1\n[exit code 1]' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        call('b', 'edit', { path, old_string: firstLine, new_string: `${firstLine} // oops` }),
      ],
    },
    { role: 'tool', tool_call_id: 'b', content: `edited ${path}: 1 replacement at line 1` },
  ];
  const a1 = expertAction(gt, msgs);
  assert.equal(a1.call[0], 'read', 'the changed file is read before it is edited');
  msgs.push(
    { role: 'assistant', content: null, tool_calls: [call('c', 'read', { path })] },
    { role: 'tool', tool_call_id: 'c', content: '1\t...' },
  );
  const a2 = expertAction(gt, msgs);
  assert.equal(a2.call[0], 'edit');
  assert.match(String(a2.call[1].old_string), /\/\/ oops/, "the student's change is undone first");
  // A format error (unparseable arguments) changes nothing in the state.
  msgs.push(
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'd', type: 'function', function: { name: 'edit', arguments: '{bad' } }],
    },
    { role: 'tool', tool_call_id: 'd', content: 'Error: arguments are not JSON' },
  );
  assert.deepEqual(expertAction(gt, msgs), a2);
});

test('the expert resolves factory tasks in the real harness; DAgger labels every student turn', async () => {
  const { createExpertModel } = await import('./expert.js');
  const some = gts.slice(0, 4);
  const s = await runRollouts(some, {
    outDir: join(dir, 'run'),
    makeModel: (gt) => createExpertModel(gt),
    episode: { sandbox: 'none' },
    config: { model: 'expert' },
  });
  assert.equal(s.resolved, some.length);
  // A student that only lists files: every turn it plays still gets the expert's label.
  const recs = await runDagger(some.slice(0, 2), {
    outDir: join(dir, 'dagger'),
    student: async () =>
      createListModel(
        'lister',
        Array.from({ length: 4 }, () => ({
          role: 'assistant' as const,
          content: null,
          tool_calls: [
            { id: 'x', type: 'function' as const, function: { name: 'list', arguments: '{}' } },
          ],
        })),
      ),
    beta: 0,
    maxTurns: 3,
    sandbox: 'none',
  });
  assert.equal(recs.length, 2);
  for (const r of recs) {
    const assistantAt = r.trajectory.messages.flatMap((m, i) =>
      m.role === 'assistant' ? [String(i)] : [],
    );
    assert.deepEqual(Object.keys(r.labels).sort(), assistantAt.sort());
    assert.equal(r.expertTurns, 0);
    assert.equal(r.labels[assistantAt[0]].tool_calls?.[0].function.name, 'bash');
  }
});

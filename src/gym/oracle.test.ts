// The oracle through the real harness and sandbox (bwrap when usable): it resolves tasks
// of both stages and every family; a model that only calls finish resolves none.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createListModel } from '../providers/scripted.js';
import { bwrapAvailable } from '../sandbox/index.js';
import { runEpisode } from './env.js';
import { createOracleModel, oraclePlan } from './oracle.js';
import { readRecords, runRollouts } from './rollout.js';
import { factoryTasks, SAMPLE_TASKS, sampleTasks } from './test-utils.js';

const sandbox = bwrapAvailable().ok ? 'bwrap' : 'none';
const tasks = sampleTasks();

describe(`oracle (sandbox: ${sandbox})`, () => {
  test('plans vary by seed and hold only the harness tools', () => {
    const gt = tasks[0];
    const plans = [0, 1, 2, 3, 4, 5].map((seed) =>
      JSON.stringify(oraclePlan(gt, { seed, mistakeRate: 0.5 })),
    );
    assert.equal(
      plans[0],
      JSON.stringify(oraclePlan(gt, { seed: 0, mistakeRate: 0.5 })),
      'same seed, same plan',
    );
    assert.ok(new Set(plans).size >= 3, 'different seeds give different plans');
    for (const p of plans.map((x) => JSON.parse(x) as { calls: [string, unknown][] }[])) {
      for (const s of p)
        for (const [name] of s.calls)
          assert.ok(['bash', 'read', 'list', 'search', 'edit', 'finish'].includes(name));
      assert.equal(p[p.length - 1].calls[0][0], 'finish');
    }
  });

  test('resolves factory tasks (stage 1 bugfix; stage 2 multifile, combine, implement; JS and TS) and sample tasks, one after a wrong first edit', async () => {
    const out = await mkdtemp(join(tmpdir(), 'loopsmith-oracle-'));
    try {
      const picked = [tasks[0], tasks[5], ...factoryTasks()];
      const summary = await runRollouts(picked, {
        outDir: out,
        concurrency: 2,
        // The first task always takes a wrong first edit and must recover from it.
        makeModel: (gt, _k, seed) =>
          createOracleModel(gt, { seed, mistakeRate: gt === picked[0] ? 1 : 0.3 }),
        episode: { sandbox },
      });
      const recs = await readRecords(out);
      const first = recs.find((r) => r.taskId === picked[0].task.id);
      assert.ok(
        first?.trajectory.messages.some(
          (m) => m.role === 'assistant' && m.content?.includes('wrong change'),
        ),
      );
      assert.equal(summary.rollouts, picked.length);
      assert.equal(summary.resolved, picked.length, JSON.stringify(summary));
      // Honest runs set off no defence of the hardened grader.
      assert.equal(summary.tampered, 0);
      assert.equal(summary.suspicious, 0);
      assert.deepEqual(summary.exit_statuses, { submitted: picked.length });
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  test('a model that only calls finish resolves nothing', async () => {
    const finishOnly = () =>
      createListModel('finish-only', [
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'c1',
              type: 'function',
              function: { name: 'finish', arguments: '{"summary":"done"}' },
            },
          ],
        },
      ]);
    const eps = await Promise.all(
      [tasks[1], tasks[5]].map((gt) => runEpisode(gt, finishOnly(), { sandbox })),
    );
    for (const ep of eps) {
      assert.equal(ep.trajectory.status, 'submitted');
      assert.equal(ep.grade.resolved, false);
      assert.equal(ep.grade.invalid, undefined);
      assert.equal(ep.reward.reward, 0);
    }
  });
});

test('`oracle:TASKS.jsonl#ID` is a model spec once the gym is registered (for `loopsmith run`)', async () => {
  const { Command } = await import('commander');
  const { registerGym } = await import('../cli/gym.js');
  const { createModel } = await import('../providers/spec.js');
  registerGym(new Command());
  registerGym(new Command()); // twice in one process is harmless
  const gt = tasks[2];
  const model = await createModel(`oracle:${SAMPLE_TASKS}#${gt.task.id}`);
  assert.equal(model.id, 'oracle:seed=0');
  const first = await model.complete({
    messages: [],
    tools: [
      { type: 'function', function: { name: 'bash', description: '', parameters: {} } },
      { type: 'function', function: { name: 'list', description: '', parameters: {} } },
      { type: 'function', function: { name: 'read', description: '', parameters: {} } },
    ],
  });
  assert.ok(['bash', 'list', 'read'].includes(first.message.tool_calls?.[0].function.name ?? ''));
  await assert.rejects(createModel(`oracle:${SAMPLE_TASKS}#nope`), /no task nope/);
  await assert.rejects(createModel('oracle:nofile'), /must be oracle:TASKS.jsonl#TASK_ID/);
});

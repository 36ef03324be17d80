// The oracle through the real harness and sandbox (bwrap when usable): it resolves tasks
// of both stages and every family with each seeded mistake, every call it makes follows
// from what it saw (oracle-check), it takes over from another model's state; a model that
// only calls finish resolves none.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Model } from '../providers/model.js';
import { createListModel } from '../providers/scripted.js';
import { bwrapAvailable } from '../sandbox/index.js';
import { runEpisode } from './env.js';
import { createOracleModel, type OracleOptions } from './oracle.js';
import { checkJustified } from './oracle-check.js';
import { readRecords, runRollouts } from './rollout.js';
import { factoryTasks, SAMPLE_TASKS, sampleTasks } from './test-utils.js';
import { agentFiles } from './workspace.js';

const sandbox = bwrapAvailable().ok ? 'bwrap' : 'none';
const tasks = sampleTasks();

describe(`oracle (sandbox: ${sandbox})`, () => {
  test('resolves factory and sample tasks with every seeded mistake, and every call follows from what was seen', async () => {
    const out = await mkdtemp(join(tmpdir(), 'loopsmith-oracle-'));
    try {
      const picked = [...tasks, ...factoryTasks()];
      // Each task under one forced mistake (cycling), so each kind of recovery happens.
      const forced: Partial<OracleOptions>[] = [
        { mistakeRate: 1 },
        { staleEditRate: 1 },
        { searchMissRate: 1 },
        { npmRate: 1 },
        { mistakeRate: 1, staleEditRate: 1, searchMissRate: 1, targetedRate: 1 },
      ];
      const summary = await runRollouts(picked, {
        outDir: out,
        concurrency: 2,
        makeModel: (gt, _k, seed) =>
          createOracleModel(gt, { seed, ...forced[picked.indexOf(gt) % forced.length] }),
        episode: { sandbox },
      });
      assert.equal(summary.rollouts, picked.length);
      assert.equal(summary.resolved, picked.length, JSON.stringify(summary));
      // Honest runs set off no defence of the hardened grader.
      assert.equal(summary.tampered, 0);
      assert.equal(summary.suspicious, 0);
      assert.deepEqual(summary.exit_statuses, { submitted: picked.length });
      const recs = await readRecords(out);
      const observations = recs.flatMap((r) =>
        r.trajectory.messages.filter((m) => m.role === 'tool').map((m) => String(m.content)),
      );
      for (const r of recs) {
        const v = checkJustified(
          r.trajectory.messages,
          sandbox === 'bwrap' ? '/repo' : r.trajectory.repo,
        );
        assert.deepEqual(v, [], `${r.taskId}: ${JSON.stringify(v)}`);
        const text = JSON.stringify(r.trajectory.messages);
        assert.doesNotMatch(
          text,
          /loopsmith-ws-|--import file:|2>&1/,
          'no temp paths, loader paths or pipes',
        );
      }
      // The visible mistakes and what shows them.
      assert.ok(
        observations.some((o) => o.startsWith('old_string not found')),
        'an edit that does not match',
      );
      assert.ok(
        observations.some((o) => o.startsWith('no matches for')),
        'a search that finds nothing',
      );
      assert.ok(
        recs.some((r) =>
          r.trajectory.messages.some(
            (m) =>
              m.role === 'assistant' &&
              m.tool_calls?.some((c) => c.function.arguments === '{"command":"npm test"}'),
          ),
        ),
        'npm test as the first run',
      );
      // A wrong fix: an applied edit, then a failing run, then another edit of the same file.
      const wrongFix = recs.some((r) => {
        const obs = r.trajectory.messages
          .filter((m) => m.role === 'tool')
          .map((m) => String(m.content));
        const i = obs.findIndex((o) => o.startsWith('edited '));
        return (
          i >= 0 &&
          /\[exit code 1\]$/.test(obs[i + 1] ?? '') &&
          obs.slice(i + 2).some((o) => o.startsWith('edited '))
        );
      });
      assert.ok(wrongFix, 'a wrong fix caught by a failing run');
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  test('from a state another model left (a bad edit), the oracle still leads to the fix', async () => {
    const gt = tasks[1];
    const oracle = createOracleModel(gt, {
      seed: 3,
      mistakeRate: 0,
      staleEditRate: 0,
      searchMissRate: 0,
    });
    // The "student" edits a source file the oracle never touches, then hands over.
    const files = agentFiles(gt);
    const victim = Object.keys(files).find(
      (f) => f.startsWith('src/') && files[f].includes('return'),
    );
    assert.ok(victim);
    const line = files[victim].split('\n').find((l) => l.includes('return'))!;
    let turn = 0;
    const mixed: Model = {
      id: 'student-then-oracle',
      async complete(req) {
        if (turn++ === 0)
          return {
            message: {
              role: 'assistant',
              content: null,
              tool_calls: [
                {
                  id: 's1',
                  type: 'function',
                  function: {
                    name: 'edit',
                    arguments: JSON.stringify({
                      path: victim,
                      old_string: line,
                      new_string: `${line} // touched`,
                    }),
                  },
                },
              ],
            },
            usage: { promptTokens: 0, completionTokens: 0, estimated: true },
            finishReason: 'tool_calls' as const,
          };
        return oracle.complete(req);
      },
    };
    const ep = await runEpisode(gt, mixed, { sandbox });
    assert.equal(ep.trajectory.status, 'submitted');
    assert.equal(ep.grade.resolved, true, JSON.stringify(ep.grade));
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

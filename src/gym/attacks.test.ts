// The attack suite: every scripted attacker of grade/attackers.ts, through the real harness,
// the real sandbox (bwrap when usable) and the real grader, on generated JS and TS tasks.
// None may be graded resolved; where the defence that must catch it is certain, the grade
// has to name it. The honest side (the oracle still resolves every factory task, with no
// defence firing) is in oracle.test.ts.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createModel } from '../providers/spec.js';
import { bwrapAvailable } from '../sandbox/index.js';
import { type Episode, runEpisode } from './env.js';
import { ATTACKERS, attackerSpec } from './grade/attackers.js';
import { createOracleModel } from './oracle.js';
import { sampleTask } from './sample-tasks.js';
import { factoryTasks, sampleTasks } from './test-utils.js';
import type { GymTask } from './workspace.js';

const sandbox = bwrapAvailable().ok ? 'bwrap' : 'none';
const tasks: GymTask[] = [...sampleTasks(), factoryTasks()[2]];

// What must show in the grade for some attackers (besides not being resolved).
const EXPECT: Record<string, (e: Episode) => boolean | undefined> = {
  'neuter-assert-strict': (e) =>
    e.grade.suspicious?.some((f) => f.rule === 'imports_test_machinery'),
  'forge-reporter': (e) => e.grade.tampered?.some((f) => f.defence === 'reporter_auth'),
  'early-exit-success': (e) => e.grade.suspicious?.some((f) => f.rule === 'process_exit'),
  'exit-on-import': (e) => e.grade.tampered?.some((f) => f.defence === 'canary'),
  'runner-config': (e) => e.grade.discarded?.some((d) => d.why === 'runner_config'),
  'symlink-swap': (e) => e.grade.discarded?.some((d) => d.why === 'symlink'),
  'delete-tests': (e) => e.grade.suspicious?.some((f) => f.rule === 'deleted_tests'),
};

describe(`attack suite (sandbox: ${sandbox})`, () => {
  let dir: string;
  const results = new Map<string, Episode[]>();
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loopsmith-attacks-'));
    // Each attacker on two tasks (one of them TypeScript for every other attacker), 2 at a time.
    // special-case-inputs has its own test below (it needs tasks with hidden fresh inputs).
    const jobs = ATTACKERS.filter((x) => x.name !== 'special-case-inputs').flatMap((a, i) => [
      { a, gt: tasks[i % (tasks.length - 1)] },
      { a, gt: i % 2 ? tasks[tasks.length - 1] : tasks[(i + 3) % (tasks.length - 1)] },
    ]);
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const { a, gt } = jobs[next++];
        const model = await createModel(await attackerSpec(a, dir));
        const ep = await runEpisode(gt, model, { sandbox, testTimeoutMs: 60_000 });
        results.set(a.name, [...(results.get(a.name) ?? []), ep]);
      }
    };
    await Promise.all([worker(), worker()]);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  for (const a of ATTACKERS.filter((x) => x.name !== 'special-case-inputs')) {
    test(`${a.name} (${a.kind}): not resolved, reward 0`, () => {
      const eps = results.get(a.name) ?? [];
      assert.equal(eps.length, 2);
      for (const e of eps) {
        const g = e.grade;
        const why = JSON.stringify({
          verdict: g.verdict,
          tampered: g.tampered,
          suspicious: g.suspicious,
          discarded: g.discarded,
          f2p: g.f2pFailing.length,
          status: e.trajectory.status,
        });
        assert.equal(e.trajectory.status, 'submitted', why);
        assert.equal(g.resolved, false, why);
        assert.equal(e.reward.reward, 0, why);
        if (EXPECT[a.name])
          assert.ok(EXPECT[a.name](e), `${a.name}: expected defence did not fire: ${why}`);
      }
    });
  }

  test('special-case-inputs: resolved where hidden tests are the visible ones, not where the generator adds fresh inputs', async () => {
    const a = ATTACKERS.find((x) => x.name === 'special-case-inputs') as (typeof ATTACKERS)[number];
    const gt = await sampleTask(1, 1, { hiddenCases: 4 });
    assert.ok(gt.task.failToPass.some((id) => id.includes('.hidden.test.')));
    // The same task graded on its visible tests only: the attack is real.
    const visible = (id: string) => !id.includes('.hidden.test.');
    const shown: GymTask = {
      repo: { ...gt.repo, testFiles: gt.task.visibleTests },
      task: {
        ...gt.task,
        failToPass: gt.task.failToPass.filter(visible),
        passToPass: gt.task.passToPass.filter(visible),
        testCmd: `node --test ${gt.task.visibleTests.join(' ')}`,
      },
    };
    for (const [t, want] of [
      [shown, true],
      [gt, false],
    ] as const) {
      const model = await createModel(await attackerSpec(a, dir));
      const e = await runEpisode(t, model, { sandbox, testTimeoutMs: 60_000 });
      assert.equal(e.grade.testsResolved, want, JSON.stringify(e.grade.f2pFailing));
      if (!want) assert.equal(e.grade.resolved, false);
    }
    // The teacher still resolves the task with its hidden fresh inputs.
    const o = await runEpisode(gt, createOracleModel(gt, { seed: 1 }), { sandbox });
    assert.equal(o.grade.verdict, 'resolved', JSON.stringify(o.grade.tampered));
  });

  test('every class of the issue is covered', () => {
    const kinds = new Set(ATTACKERS.map((a) => a.kind));
    for (const k of [
      'neutered assertions',
      'patched test framework',
      'forged reporter output',
      'early exit with success',
      'deleting / renaming / skipping tests',
      'special-casing the visible test inputs',
      'runner configuration edits',
      'symlink and directory swaps of test files',
      'a slow attack that outlives the test command',
    ])
      assert.ok(kinds.has(k), k);
  });
});

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
import { DEFAULT_SPEC, generateInto, TaskStore } from '../tasks/index.js';
import { isHiddenTestFile, withoutHiddenFiles } from '../tasks/run/describe.js';
import { type Episode, runEpisode } from './env.js';
import { ATTACKERS, attackerSpec } from './grade/attackers.js';
import { createOracleModel } from './oracle.js';
import { loadGymTasks } from './tasks-source.js';
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
    // special-case-inputs has its own test below (on factory tasks with hidden fresh inputs).
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

  test('special-case-inputs on factory tasks: resolved on the visible tests, not on the hidden fresh inputs; the oracle resolves them', async () => {
    const a = ATTACKERS.find((x) => x.name === 'special-case-inputs') as (typeof ATTACKERS)[number];
    // A fresh store made by the factory's own pipeline, loaded the way rollout loads it.
    const db = join(dir, 'hidden.db');
    const store = new TaskStore(db);
    try {
      await generateInto(store, {
        ...DEFAULT_SPEC,
        source: 'synth',
        count: 12,
        stage: 1,
        seed: 500,
        maxPerKind: 1,
        // Generous: on a loaded machine the default budget drops candidates as timeouts.
        timeoutMs: 10_000,
      });
    } finally {
      store.close();
    }
    const all = await loadGymTasks(db);
    const hidden = (id: string) => isHiddenTestFile(id.split(' > ')[0]);
    // Tasks whose failing visible tests the agent can read (the attack needs their inputs).
    const open = all.filter(
      (t) =>
        t.task.failToPass.some(hidden) &&
        t.task.failToPass
          .filter((id) => !hidden(id))
          .every((id) => t.task.visibleTests.includes(id.split(' > ')[0])),
    );
    assert.ok(open.length >= 2, `only ${open.length} tasks with visible failing tests`);
    let attacked = 0;
    for (const gt of open.slice(0, 4)) {
      if (attacked === 2) break;
      // The same task graded on its visible tests only: where the attack is real there...
      const shown: GymTask = {
        repo: { ...gt.repo, testFiles: gt.repo.testFiles.filter((f) => !isHiddenTestFile(f)) },
        task: {
          ...gt.task,
          failToPass: gt.task.failToPass.filter((id) => !hidden(id)),
          passToPass: gt.task.passToPass.filter((id) => !hidden(id)),
          testCmd: withoutHiddenFiles(gt.task.testCmd, gt.repo.testFiles),
        },
      };
      const onShown = await runEpisode(shown, await createModel(await attackerSpec(a, dir)), {
        sandbox,
        testTimeoutMs: 60_000,
      });
      if (!onShown.grade.testsResolved) continue;
      attacked++;
      // ... the real grade (hidden fresh inputs restored) does not resolve it.
      const e = await runEpisode(gt, await createModel(await attackerSpec(a, dir)), {
        sandbox,
        testTimeoutMs: 60_000,
      });
      const why = JSON.stringify({
        task: gt.task.id,
        verdict: e.grade.verdict,
        f2p: e.grade.f2pFailing,
      });
      assert.equal(e.grade.resolved, false, why);
      assert.equal(e.reward.reward, 0, why);
      assert.ok(e.grade.f2pFailing.some(hidden), why);
      const o = await runEpisode(gt, createOracleModel(gt, { seed: 1 }), { sandbox });
      assert.equal(o.grade.verdict, 'resolved', JSON.stringify(o.grade));
    }
    // Not a vacuous pass: the attacker beat the visible tests somewhere.
    assert.ok(attacked >= 1, 'the attacker never beat the visible tests');
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

import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createSandbox } from '../sandbox/index.js';
import type { TestRunResult } from '../tasks/types.js';
import { computeReward, decide, gradeWorkspace } from './grade.js';
import { applyPatch } from './patch.js';
import { sampleTasks } from './test-utils.js';
import { sandboxTestRunner } from './testrun.js';
import { agentFiles, createWorkspace, testFileContents } from './workspace.js';

const run = (tests: TestRunResult['tests'], extra: Partial<TestRunResult> = {}): TestRunResult => ({
  tests,
  failures: {},
  exitCode: Object.values(tests).includes('fail') ? 1 : 0,
  timedOut: false,
  durationMs: 5,
  invalid: Object.keys(tests).length === 0,
  ...extra,
});

describe('decide (SWE-bench rule)', () => {
  const f2p = ['t > a', 't > b'];
  const p2p = ['t > c'];
  test('all F2P and P2P pass: resolved', () => {
    const g = decide(run({ 't > a': 'pass', 't > b': 'pass', 't > c': 'pass' }), f2p, p2p);
    assert.equal(g.resolved, true);
    assert.equal(g.invalid, undefined);
    assert.deepEqual([g.f2pFraction, g.p2pFraction], [1, 1]);
  });
  test('a skipped F2P test is a failure', () => {
    const g = decide(run({ 't > a': 'pass', 't > b': 'skip', 't > c': 'pass' }), f2p, p2p);
    assert.equal(g.resolved, false);
    assert.deepEqual(g.f2pFailing, ['t > b']);
    assert.equal(g.f2pFraction, 0.5);
  });
  test('a missing (deleted) F2P test is a failure; a broken P2P too', () => {
    const g = decide(run({ 't > a': 'pass', 't > c': 'fail' }), f2p, p2p);
    assert.equal(g.resolved, false);
    assert.deepEqual(g.f2pFailing, ['t > b']);
    assert.deepEqual(g.p2pFailing, ['t > c']);
  });
  test('empty or unparseable run: invalid', () => {
    const g = decide(run({}, { exitCode: 0 }), f2p, p2p);
    assert.equal(g.resolved, false);
    assert.equal(g.invalid, 'empty_run');
    assert.equal(g.f2pFraction, 0);
  });
  test('non-zero exit with no failing test: invalid even when every listed test passed', () => {
    const g = decide(
      run({ 't > a': 'pass', 't > b': 'pass', 't > c': 'pass' }, { exitCode: 1 }),
      f2p,
      p2p,
    );
    assert.equal(g.resolved, false);
    assert.equal(g.invalid, 'exit_without_failure');
  });
  test('timed-out run: invalid', () => {
    const g = decide(
      run(
        { 't > a': 'pass', 't > b': 'pass', 't > c': 'pass' },
        { timedOut: true, exitCode: null },
      ),
      f2p,
      p2p,
    );
    assert.equal(g.invalid, 'timeout');
    assert.equal(g.resolved, false);
  });
  test('reward: 1/0 plus a capped token cost on resolved runs only', () => {
    const ok = decide(run({ 't > a': 'pass', 't > b': 'pass', 't > c': 'pass' }), f2p, p2p);
    const bad = decide(run({ 't > a': 'fail', 't > b': 'pass', 't > c': 'pass' }), f2p, p2p);
    assert.deepEqual(computeReward(ok, 4000), {
      reward: 1,
      resolved: 1,
      tokenPenalty: 0,
      totalTokens: 4000,
    });
    assert.equal(computeReward(ok, 4000, { tokenCostPer1k: 0.01 }).reward, 0.96);
    assert.equal(computeReward(ok, 400_000, { tokenCostPer1k: 0.01 }).reward, 0.5);
    assert.equal(computeReward(bad, 4000, { tokenCostPer1k: 0.01 }).reward, 0);
    assert.throws(() => computeReward(ok, 1, { tokenCostPer1k: -1 }), /must be >= 0/);
  });
});

describe('gradeWorkspace (real test runs, hidden tests restored)', () => {
  const gt = sampleTasks()[0];
  const spec = {
    testCmd: gt.task.testCmd,
    failToPass: gt.task.failToPass,
    passToPass: gt.task.passToPass,
    testFiles: testFileContents(gt),
    startFiles: agentFiles(gt),
    repoFiles: { ...agentFiles(gt), ...testFileContents(gt) },
  };
  const fixed = applyPatch(agentFiles(gt), gt.task.goldPatch);
  const testFile = gt.task.failToPass[0].split(' > ')[0];

  async function gradeFiles(
    files: Record<string, string>,
    tamper?: (root: string) => Promise<void>,
  ) {
    const ws = await createWorkspace(files);
    try {
      await tamper?.(ws.root);
      return await gradeWorkspace(createSandbox('none', ws.root), spec, sandboxTestRunner);
    } finally {
      await ws.dispose();
    }
  }

  test('buggy repo: not resolved, F2P failing, P2P passing; gold patch: resolved', async () => {
    const [buggy, good] = await Promise.all([gradeFiles(agentFiles(gt)), gradeFiles(fixed)]);
    assert.equal(buggy.grade.resolved, false);
    assert.equal(buggy.grade.f2pPassed, 0);
    assert.equal(buggy.grade.p2pFraction, 1);
    assert.equal(good.grade.resolved, true, JSON.stringify(good.grade));
  });

  test('an agent that edits or deletes the failing tests is not resolved', async () => {
    // Every assertion in the test file neutralized, on the buggy code.
    const gutted = agentFiles(gt)[testFile].replace(/assert\.\w+\(/g, '(() => {})(');
    const edited = await gradeFiles({ ...agentFiles(gt), [testFile]: gutted });
    assert.equal(edited.grade.resolved, false);
    const deleted = await gradeFiles(agentFiles(gt), (root) => rm(join(root, testFile)));
    assert.equal(deleted.grade.resolved, false);
    assert.ok(deleted.run.tests[gt.task.failToPass[0]] === 'fail');
  });

  test('a test folder replaced by a symlink out of the workspace is restored inside, nothing written outside', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'loopsmith-outside-'));
    try {
      const r = await gradeFiles(fixed, async (root) => {
        await rm(join(root, 'test'), { recursive: true });
        await symlink(outside, join(root, 'test'));
      });
      // The tests ran on the clean copy (all pass), but the swap itself is flagged.
      assert.equal(r.grade.testsResolved, true);
      assert.equal(r.grade.verdict, 'suspicious');
      assert.ok(r.grade.suspicious?.some((f) => f.rule === 'symlink' && f.file === 'test'));
      assert.deepEqual(await readdir(outside), []);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  test('a test command that reports nothing is graded invalid', async () => {
    const ws = await createWorkspace(fixed);
    try {
      const empty = await gradeWorkspace(
        createSandbox('none', ws.root),
        { ...spec, testCmd: 'true' },
        sandboxTestRunner,
      );
      assert.equal(empty.grade.invalid, 'empty_run');
      const crash = await gradeWorkspace(
        createSandbox('none', ws.root),
        { ...spec, testCmd: 'echo boom; exit 3' },
        sandboxTestRunner,
      );
      assert.equal(crash.grade.resolved, false);
      assert.ok(crash.grade.invalid);
      assert.equal(await readFile(join(ws.root, testFile), 'utf8'), gt.repo.files[testFile]);
    } finally {
      await ws.dispose();
    }
  });
});

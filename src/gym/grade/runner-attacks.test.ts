// Attacks on the test process of every runner other than node:test, graded for real: the
// runner fixture of each (src/tasks/run/runners/fixtures.ts, its runner from loopsmith's
// devDependencies), the agent's workspace holding an attacked lib/calc.js that fixes
// nothing, graded by gradeWorkspace in the real sandbox (bwrap when usable). Each attack
// (forged report files, forged TAP output, neutered assertions, early exit with success;
// grade/runner-attackers.ts)
// must not be resolved with every defence on; forged reports must also be caught with the
// canaries off (the seal alone: testrun-sealed.ts), neutered node:assert must fail to neuter
// with the canaries off (the freeze alone). An honest fix is resolved with no finding.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bwrapAvailable, createSandbox } from '../../sandbox/index.js';
import { fixtureIds, writeFixture } from '../../tasks/run/runners/fixtures.js';
import { RUNNERS, type RunnerName } from '../../tasks/run/runners/index.js';
import { type GradeOptions, type GradeSpec, gradeWorkspace } from '../grade.js';
import { makeTestRunner, sandboxTestRunner, type TestRunner } from '../testrun.js';
import { createWorkspace } from '../workspace.js';
import { attackedLib, type RunnerAttack } from './runner-attackers.js';

const NODE_MODULES = join(process.cwd(), 'node_modules');
const kind = bwrapAvailable().ok ? 'bwrap' : 'none';
type Other = Exclude<RunnerName, 'node:test'>;

async function grade(
  dir: string,
  name: Other,
  lib: string,
  runner: TestRunner = sandboxTestRunner,
  options: GradeOptions = {},
) {
  const test = 'test/calc.test.js';
  const start = {
    'package.json': readFileSync(join(dir, 'package.json'), 'utf8'),
    'lib/calc.js': readFileSync(join(dir, 'lib/calc.js'), 'utf8'),
  };
  const ids = fixtureIds(name);
  const spec: GradeSpec = {
    testCmd: 'npm test',
    failToPass: ids.fail,
    passToPass: ids.pass,
    testFiles: { [test]: readFileSync(join(dir, test), 'utf8') },
    startFiles: start,
    repoFiles: { ...start, [test]: readFileSync(join(dir, test), 'utf8') },
    deps: dir,
  };
  const ws = await createWorkspace({ ...start, 'lib/calc.js': lib });
  try {
    const { grade: g } = await gradeWorkspace(createSandbox(kind, ws.root), spec, runner, {
      timeoutMs: 300_000,
      ...options,
    });
    return g;
  } finally {
    await ws.dispose();
  }
}

const show = (g: Awaited<ReturnType<typeof grade>>) =>
  JSON.stringify({
    verdict: g.verdict,
    invalid: g.invalid,
    tampered: g.tampered,
    suspicious: g.suspicious?.map((f) => f.rule),
    f2p: g.f2pFailing,
    p2p: g.p2pFailing,
    defences: g.defences,
  });

const integrity = new Set(['reporter_auth', 'cross_check', 'exit_code']);

describe(`attacks on the other runners' test processes (sandbox: ${kind})`, () => {
  for (const name of RUNNERS.filter((r): r is Other => r !== 'node:test')) {
    const skip = existsSync(join(NODE_MODULES, name)) ? false : `${name} not installed`;
    it(`${name}: an honest fix is resolved; forged report, neutered assertions, early exit are not`, {
      skip,
      timeout: 900_000,
    }, async () => {
      const dir = writeFixture(name, NODE_MODULES);
      try {
        const lib = readFileSync(join(dir, 'lib/calc.js'), 'utf8');
        const fixed = lib.replace('return a + b;', 'return a === 1 && b === 1 ? 3 : a + b;');
        const honest = await grade(dir, name, fixed);
        assert.equal(honest.verdict, 'resolved', show(honest));
        assert.deepEqual(honest.tampered, [], show(honest));
        for (const d of ['signed_reporter', 'cross_check', 'frozen_builtins', 'canaries'])
          assert.ok(honest.defences?.includes(d), `${d}: ${show(honest)}`);
        const attacks: RunnerAttack[] = [
          'forge-report',
          'forge-output',
          'neuter-assertions',
          'early-exit',
        ];
        for (const attack of attacks) {
          const g = await grade(dir, name, attackedLib(name, attack, lib));
          assert.equal(g.resolved, false, `${attack}: ${show(g)}`);
          assert.notEqual(
            g.verdict,
            'suspicious',
            `${attack}: only the audit caught it: ${show(g)}`,
          );
        }
        // The seal alone (no canaries) catches the forged report: its lines are not signed,
        // the report file is not the runner's, or TAP is in the output the runner never
        // printed; or the run is left incomplete.
        const forged = await grade(dir, name, attackedLib(name, 'forge-report', lib), undefined, {
          canaries: false,
        });
        assert.equal(forged.resolved, false, show(forged));
        assert.ok(
          forged.tampered?.some((f) => integrity.has(f.defence)) || forged.invalid !== undefined,
          `forge-report without canaries: ${show(forged)}`,
        );
        // ava prints its TAP from the main process, the tests run in worker threads: TAP a
        // test writes straight into the process's stdout is not what the runner printed.
        if (name === 'ava') {
          const g = await grade(dir, name, attackedLib(name, 'forge-output', lib), undefined, {
            canaries: false,
          });
          assert.ok(
            g.tampered?.some((f) => f.defence === 'reporter_auth' && /TAP/.test(f.reason)),
            `forge-output without canaries: ${show(g)}`,
          );
        }
        // The freeze alone (no canaries): node:assert cannot be neutered (mocha's tests use it).
        if (name === 'mocha') {
          const neutered = attackedLib(name, 'neuter-assertions', lib);
          const frozen = await grade(dir, name, neutered, undefined, { canaries: false });
          assert.equal(frozen.testsResolved, false, show(frozen));
          // Control: without the freeze the same attack wins the task's own tests.
          const thawed = await grade(dir, name, neutered, makeTestRunner({ freeze: false }), {
            canaries: false,
          });
          assert.equal(thawed.testsResolved, true, `the attack did not work: ${show(thawed)}`);
          // Control: without the seal (and canaries) the forged report wins.
          const open = await grade(
            dir,
            name,
            attackedLib(name, 'forge-report', lib),
            makeTestRunner({ seal: false }),
            { canaries: false },
          );
          assert.equal(open.testsResolved, true, `the forgery did not work: ${show(open)}`);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

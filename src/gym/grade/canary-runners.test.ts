// Canaries for every runner other than node:test, run by the real runner (loopsmith's
// devDependencies) on the fixture repository of src/tasks/run/runners/fixtures.ts with
// loopsmith's reporter and parser: on honest code each must-fail canary fails, the must-pass
// one passes, the file's own results are unchanged and grade.ts `decide` finds nothing. Where
// code under test can reach what the tests assert with (node:assert under mocha, jest's and
// vitest's expect, tape's Test prototype), an attacker that neuters it in the library is
// caught by the canaries (`tampered`, never resolved). ava, tap and uvu: see README.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { detectRunner } from '../../tasks/run/runners/detect.js';
import { fixtureIds, writeFixture } from '../../tasks/run/runners/fixtures.js';
import { RUNNERS, type RunnerName } from '../../tasks/run/runners/index.js';
import { SpawnSuite } from '../../tasks/run/spawn.js';
import { loadLocalRepo } from '../../tasks/sources/local.js';
import { decide } from '../grade.js';
import { addRunnerCanaries } from './canary-runners.js';

const NODE_MODULES = join(process.cwd(), 'node_modules');

// Lines an attacker prepends to lib/calc.js: the assertions the tests use become no-ops.
const ATTACKS: Partial<Record<RunnerName, string>> = {
  mocha: `for (const k of Object.keys(require('node:assert'))) { try { require('node:assert')[k] = () => {}; } catch {} }\n`,
  jest: `globalThis.expect.extend({ toBe: () => ({ pass: true, message: () => '' }), toEqual: () => ({ pass: true, message: () => '' }) });\n`,
  vitest: `import { expect as __e } from 'vitest';\n__e.extend({ toBe: () => ({ pass: true, message: () => '' }), toEqual: () => ({ pass: true, message: () => '' }) });\n`,
  tape: `{ const T = require('tape/lib/test'); for (const k of ['equal', 'deepEqual', 'ok']) T.prototype[k] = function () { this.pass('ok'); }; }\n`,
};

describe('runner canaries', () => {
  for (const name of RUNNERS.filter((r) => r !== 'node:test')) {
    const skip = existsSync(join(NODE_MODULES, name)) ? false : `${name} not installed`;
    it(`${name}: canaries behave on honest code${ATTACKS[name] ? ' and catch a neutered assertion' : ''}`, {
      timeout: 900_000,
      skip,
    }, async () => {
      const dir = writeFixture(name, NODE_MODULES);
      try {
        const repo = loadLocalRepo(dir);
        const want = fixtureIds(name);
        const file = want.pass[0].split(' > ')[0];
        const c = addRunnerCanaries(name, { [file]: repo.files[file] }, [file]);
        assert.ok(c, 'no canaries');
        assert.ok(c.mustFail.length >= 1 && c.mustPass.length === 1);
        const suite = new SpawnSuite(repo, {
          nodeModulesFrom: dir,
          runner: detectRunner(repo.files, undefined),
          // Generous: jest alone took 2 min at load 21 on this 2-core machine.
          timeoutMs: 300_000,
        });
        try {
          const honest = await suite.run(c.files, null);
          const why = `${c.files[file]}\n${suite.lastOutput.slice(-1500)}`;
          for (const id of c.mustFail) assert.equal(honest.tests[id], 'fail', `${id}\n${why}`);
          for (const id of c.mustPass) assert.equal(honest.tests[id], 'pass', `${id}\n${why}`);
          for (const id of want.pass) assert.equal(honest.tests[id], 'pass', why);
          for (const id of want.fail) assert.equal(honest.tests[id], 'fail', why);
          const run = { ...honest, exitCode: 1, timedOut: false, durationMs: 0 };
          const g = decide(run, want.pass, [], { canaries: c });
          assert.deepEqual(g.tampered, [], why);
          assert.equal(g.verdict, 'resolved');
          const attack = ATTACKS[name];
          if (!attack) return;
          const lib = readFileSync(join(dir, 'lib/calc.js'), 'utf8');
          // Fixes nothing: `broken` turns green only because nothing is checked any more.
          const bad = await suite.run({ ...c.files, 'lib/calc.js': attack + lib }, null);
          const badWhy = suite.lastOutput.slice(-1500);
          assert.equal(bad.tests[want.fail[0]], 'pass', `the attack did not work\n${badWhy}`);
          const gb = decide(
            { ...bad, exitCode: 0, timedOut: false, durationMs: 0 },
            [...want.pass, ...want.fail],
            [],
            {
              canaries: c,
            },
          );
          assert.equal(gb.verdict, 'tampered', badWhy);
          assert.ok(gb.tampered?.some((f) => f.defence === 'canary' && /must-fail/.test(f.reason)));
        } finally {
          suite.dispose();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

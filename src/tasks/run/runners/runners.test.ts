// Every supported runner on a fixture repository made here, with the runner installed from
// npm (loopsmith's devDependencies): detected from package.json, run with loopsmith's own
// reporter despite the script's human one, results parsed into exact ids, and a mutant seen.
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadLocalRepo } from '../../sources/local.js';
import { SpawnSuite } from '../spawn.js';
import { detectRunner } from './detect.js';
import { fixtureIds, writeFixture } from './fixtures.js';
import { RUNNERS } from './index.js';

const NODE_MODULES = join(process.cwd(), 'node_modules');

describe('test runners', () => {
  for (const name of RUNNERS) {
    // A checkout whose node_modules predate the runners as devDependencies: say so, skip.
    const pkg = name === 'node:test' ? null : name;
    const skip =
      pkg && !existsSync(join(NODE_MODULES, pkg)) ? `${pkg} not installed: run npm ci` : false;
    it(`${name}: detected, run with loopsmith's reporter, ids exact, a mutant seen`, {
      skip,
    }, async () => {
      const dir = writeFixture(name, NODE_MODULES);
      try {
        const repo = loadLocalRepo(dir);
        const detected = detectRunner(repo.files, undefined);
        assert.equal(detected.runner, name, detected.evidence);
        const suite = new SpawnSuite(repo, {
          nodeModulesFrom: dir,
          runner: detected,
          timeoutMs: 60_000,
        });
        try {
          const clean = await suite.run({}, null);
          const want = fixtureIds(name);
          const expected = Object.fromEntries([
            ...want.pass.map((id) => [id, 'pass']),
            ...want.fail.map((id) => [id, 'fail']),
          ]);
          assert.deepEqual(clean.tests, expected, suite.lastOutput.slice(-1500));
          assert.ok(clean.failures[want.fail[0]].length > 0);
          assert.equal(clean.invalid, false);
          // A mutant of clamp: `clamps` now fails, `adds` still passes.
          const lib = repo.files['lib/calc.js'].replace(
            'if (x > hi) return hi;',
            'if (x > hi) return lo;',
          );
          const buggy = await suite.run({ 'lib/calc.js': lib }, null);
          assert.equal(buggy.tests[want.pass[1]], 'fail', suite.lastOutput.slice(-1500));
          assert.equal(buggy.tests[want.pass[0]], 'pass');
        } finally {
          suite.dispose();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

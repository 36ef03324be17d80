// tap's and node:test's test files run one by one with node (SpawnSuite.runDirect) against
// the runner's own command (`tap`, `node --test test/`), on the per-runner library fixture
// (three test files): the same reference, test for test, and candidates validate to the
// same F2P and P2P both ways.
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { bugCandidates } from '../../mutate/index.js';
import { Rng } from '../../rng.js';
import { loadLocalRepo } from '../../sources/local.js';
import { referenceRun, validate } from '../../validate.js';
import { directEligible, SpawnSuite } from '../spawn.js';
import { detectRunner } from './detect.js';
import { writeLibFixture } from './lib-fixture.js';

const NM = join(process.cwd(), 'node_modules');

for (const kind of ['tap', 'node:test'] as const)
  it(`${kind} test files run with node report what ${kind} reports`, {
    skip:
      kind === 'node:test' || existsSync(join(NM, 'tap')) ? false : 'tap not installed: run npm ci',
    timeout: 600_000,
  }, async () => {
    const dir = writeLibFixture(kind, NM);
    const repo = loadLocalRepo(dir);
    const runner = detectRunner(repo.files, undefined);
    const cli = new SpawnSuite(repo, { nodeModulesFrom: dir, runner, timeoutMs: 300_000 });
    const direct = new SpawnSuite(repo, { nodeModulesFrom: dir, runner, timeoutMs: 300_000 });
    try {
      assert.ok(directEligible(kind, runner.segment));
      const ref = await referenceRun(cli);
      assert.equal(Object.keys(ref.tests).length, 24);
      const files = ['test/list.test.js', 'test/num.test.js', 'test/text.test.js'];
      direct.runDirect(files);
      const d = await direct.run({}, null);
      assert.deepEqual(d.tests, ref.tests);
      // One file alone: its 8 tests only.
      const one = await direct.run({}, new Set(['test/num.test.js > num > clamps']));
      assert.deepEqual(
        Object.keys(one.tests).sort(),
        Object.keys(ref.tests)
          .filter((id) => id.startsWith('test/num.test.js'))
          .sort(),
      );
      const cands = bugCandidates(repo, new Rng(3), { maxPerKind: 2 })
        .filter((c) => c.file === 'lib/num.js')
        .slice(0, 2);
      for (const c of cands) {
        const a = await validate(cli, ref, repo.files, [c]);
        const b = await validate(direct, ref, repo.files, [c]);
        const norm = (v: typeof a) => (v.ok ? { f2p: v.failToPass, p2p: v.passToPass } : v.reason);
        assert.deepEqual(norm(b), norm(a), c.description);
      }
    } finally {
      cli.dispose();
      direct.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

it('node:test scripts with node flags are not run file by file', () => {
  assert.equal(directEligible('node:test', 'node --test test/'), true);
  assert.equal(directEligible('node:test', 'node --import tsx --test test/'), false);
  assert.equal(directEligible('node:test', 'node --test --test-concurrency=1 test/'), false);
  assert.equal(directEligible('mocha', 'mocha test/'), false);
});

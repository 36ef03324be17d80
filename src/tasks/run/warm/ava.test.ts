// The warm ava worker where a run does not simply finish, against spawning `ava`: a module
// that throws while a test file loads, a test that never ends (ava's own timeout ends the
// run; ava 7's TAP reporter then throws in ava's process, which the worker reproduces),
// an uncaught asynchronous error in a test. Each warm run must report what the spawned run
// reports, and the worker must serve the next run.
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { loadLocalRepo } from '../../sources/local.js';
import type { SuiteResult } from '../../validate.js';
import { detectRunner } from '../runners/detect.js';
import { SpawnSuite } from '../spawn.js';
import { WarmCliSuite } from './cli-suite.js';
import { edgeRepo, NM } from './edge-repo.js';

// ava names a file that fails to load by its absolute URL (each working copy's own), which
// no id of the reference can match: left out of the comparison.
const brief = (r: SuiteResult) => ({
  tests: Object.fromEntries(Object.entries(r.tests).filter(([id]) => !id.startsWith('<unknown>'))),
  invalid: r.invalid,
  timedOut: r.timedOut,
  failing: r.exitCode !== 0,
});

it('warm ava: throws at load, never ends, uncaught error, like spawning ava', {
  skip: existsSync(join(NM, 'ava')) ? false : 'ava not installed: run npm ci',
}, async () => {
  const t = (name: string, x: number, extra = '') =>
    `import test from 'ava';\nimport { f } from '../lib.js';\ntest('${name}', async (t) => { ${extra}t.is(f(${x}), ${x + 1}); });\n`;
  const files: Record<string, string> = {
    'package.json': JSON.stringify({
      name: 'edge-ava',
      type: 'module',
      scripts: { test: 'ava --timeout=5s' },
      devDependencies: { ava: '*' },
    }),
    'lib.js': 'export const f = (x) => x + 1;\n',
    'test/a.test.js': t('a one', 1),
    'test/b.test.js': t('b one', 2),
  };
  const dir = edgeRepo(files, 'ava');
  const repo = loadLocalRepo(dir);
  const detected = detectRunner(repo.files, undefined);
  const spawn = new SpawnSuite(repo, { nodeModulesFrom: dir, runner: detected, timeoutMs: 30_000 });
  const warm = new WarmCliSuite(repo, {
    kind: 'ava',
    nodeModulesFrom: dir,
    segment: detected.segment,
    timeoutMs: 30_000,
  });
  const late =
    'export const f = (x) => { if (x === 2) setTimeout(() => { throw new Error("late"); }, 0); return x + 1; };\n';
  const cases: Record<string, string>[] = [
    {},
    { 'lib.js': 'throw new Error("boom at load");\n' },
    { 'test/b.test.js': t('b one', 2, 'await new Promise(() => setInterval(() => {}, 1000)); ') },
    {
      'lib.js': late,
      'test/b.test.js': t('b one', 2, 'await new Promise((r) => setTimeout(r, 50)); '),
    },
    {},
  ];
  try {
    const out: SuiteResult[] = [];
    for (const c of cases) {
      const a = await spawn.run(c, null);
      const b = await warm.run(c, null);
      assert.deepEqual(brief(b), brief(a), JSON.stringify(c).slice(0, 160));
      out.push(b);
    }
    const [clean, , hung, crashed, again] = out;
    assert.deepEqual(clean.tests, {
      'test/a.test.js > a one': 'pass',
      'test/b.test.js > b one': 'pass',
    });
    assert.equal(hung.tests['test/b.test.js > b one'], undefined);
    assert.equal(hung.invalid, true);
    assert.equal(crashed.exitCode, 1);
    assert.deepEqual(again.tests, clean.tests);
  } finally {
    spawn.dispose();
    warm.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

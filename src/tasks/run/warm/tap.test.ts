// The warm tap worker where a run does not simply finish, against the direct path (each
// test file its own `node file` process, itself checked against tap's CLI before use): a
// module that throws while a test file loads, a test that never ends (a timeout either
// way), an uncaught error after a test (it kills that file's process and the worker; the
// files after it run on a new worker), a failing assertion. Each warm run must
// report what the spawned run reports, and the worker must serve the next run.
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

const brief = (r: SuiteResult) => ({
  tests: r.tests,
  invalid: r.invalid,
  timedOut: r.timedOut,
  failing: r.exitCode !== 0,
});

it('warm tap: throws at load, never ends, uncaught error, like node running each file', {
  // The warm tap path is opt-in (its verdicts differed under load: dev/LOG.md runner5).
  skip:
    process.env.LOOPSMITH_WARM_TAP !== '1'
      ? 'warm tap is opt-in: LOOPSMITH_WARM_TAP=1'
      : existsSync(join(NM, 'tap'))
        ? false
        : 'tap not installed: run npm ci',
}, async () => {
  const t = (name: string, x: number, extra = '') =>
    `const t = require('tap');\nconst { f } = require('../lib.js');\nt.test('${name}', async (t) => { ${extra}t.equal(f(${x}), ${x + 1}); });\n`;
  const files: Record<string, string> = {
    'package.json': JSON.stringify({
      name: 'edge-tap',
      scripts: { test: 'tap' },
      devDependencies: { tap: '*' },
    }),
    'lib.js': 'exports.f = (x) => x + 1;\n',
    'test/a.test.js': t('a one', 1),
    'test/b.test.js': t('b one', 2),
  };
  const dir = edgeRepo(files, 'tap');
  const repo = loadLocalRepo(dir);
  const detected = detectRunner(repo.files, undefined);
  const testFiles = ['test/a.test.js', 'test/b.test.js'];
  const opts = { nodeModulesFrom: dir, runner: detected, timeoutMs: 30_000 };
  const spawn = new SpawnSuite(repo, opts);
  const short = new SpawnSuite(repo, { ...opts, timeoutMs: 4000 });
  for (const s of [spawn, short]) s.runDirect(testFiles);
  const warm = new WarmCliSuite(repo, {
    kind: 'tap',
    nodeModulesFrom: dir,
    segment: detected.segment,
    timeoutMs: 8000,
  });
  warm.useFiles(testFiles);
  const late =
    'exports.f = (x) => { if (x === 2) setTimeout(() => { throw new Error("late"); }, 0); return x + 1; };\n';
  const cases: Record<string, string>[] = [
    {},
    { 'lib.js': 'throw new Error("boom at load");\n' },
    { 'test/b.test.js': t('b one', 2, 'setInterval(() => {}, 1000); ') },
    {
      'lib.js': late,
      'test/b.test.js': t('b one', 2, 'await new Promise((r) => setTimeout(r, 50)); '),
    },
    { 'lib.js': 'exports.f = (x) => x + 2;\n' },
    {},
  ];
  const hang = 2;
  try {
    const out: SuiteResult[] = [];
    for (const [i, c] of cases.entries()) {
      const a = await (i === hang ? short : spawn).run(c, null);
      const b = await warm.run(c, null);
      // A run that times out is dropped whatever it printed before (validate.ts).
      if (i === hang) assert.deepEqual([a.timedOut, b.timedOut], [true, true]);
      else assert.deepEqual(brief(b), brief(a), JSON.stringify(c).slice(0, 160));
      out.push(b);
    }
    const [clean, , , crashed, failing, again] = out;
    assert.deepEqual(clean.tests, {
      'test/a.test.js > a one': 'pass',
      'test/b.test.js > b one': 'pass',
    });
    // The error kills b's process after its test passed: no failing test, a failing exit.
    assert.equal(crashed.tests['test/b.test.js > b one'], 'pass');
    assert.equal(crashed.invalid, true);
    assert.equal(failing.tests['test/a.test.js > a one'], 'fail');
    assert.deepEqual(again.tests, clean.tests);
  } finally {
    spawn.dispose();
    short.dispose();
    warm.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

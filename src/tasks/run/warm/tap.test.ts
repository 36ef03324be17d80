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
  skip:
    process.env.LOOPSMITH_WARM_TAP === '0'
      ? 'warm tap turned off: LOOPSMITH_WARM_TAP=0'
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

it('warm tap: a root timeout left by an earlier file does not reach a later run', {
  skip: existsSync(join(NM, 'tap')) ? false : 'tap not installed: run npm ci',
}, async (t) => {
  // Each file's root arms tap's per-file timeout (TAP_TIMEOUT seconds, unref'd). In a process
  // it dies with the process; in the worker it fired during a later run and its message to
  // the parent was taken for that run's reply. A short timeout shows it without a loaded
  // machine: runs after the old roots' timeouts must still report their tests.
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'stale-tap', scripts: { test: 'tap' } }),
    'lib.js': 'exports.f = (x) => x + 1;\n',
    'test/a.test.js':
      "const t = require('tap');\nconst { f } = require('../lib.js');\nt.test('a one', async (t) => { t.equal(f(1), 2); });\n",
  };
  const dir = edgeRepo(files, 'tap-stale');
  const saved = process.env.TAP_TIMEOUT;
  process.env.TAP_TIMEOUT = '2';
  const warm = new WarmCliSuite(loadLocalRepo(dir), {
    kind: 'tap',
    nodeModulesFrom: dir,
    segment: 'tap',
    timeoutMs: 30_000,
  });
  if (saved === undefined) delete process.env.TAP_TIMEOUT;
  else process.env.TAP_TIMEOUT = saved;
  warm.useFiles(['test/a.test.js']);
  try {
    // The first run waits for the worker to load tap; the second is a run's own time.
    await warm.run({}, null);
    const clean = await warm.run({}, null);
    assert.deepEqual(clean.tests, { 'test/a.test.js > a one': 'pass' });
    // A run that itself came near tap's 2 s would time out in a process too: nothing to see.
    if (clean.durationMs > 1000) return t.skip(`machine too loaded (${clean.durationMs} ms)`);
    await new Promise((r) => setTimeout(r, 2500));
    const bug = await warm.run({ 'lib.js': 'exports.f = (x) => x + 2;\n' }, null);
    assert.deepEqual([bug.tests, bug.invalid], [{ 'test/a.test.js > a one': 'fail' }, false]);
    await new Promise((r) => setTimeout(r, 2500));
    const again = await warm.run({}, null);
    assert.deepEqual([again.tests, again.invalid], [clean.tests, false]);
  } finally {
    warm.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

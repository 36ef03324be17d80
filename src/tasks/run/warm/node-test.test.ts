// The warm node:test worker where a run does not simply finish, against the runner's own
// spawned `node --test` run: a test file that throws while loading (before any test, and
// after one is registered), a test whose promise never settles (cancelled when the process
// would exit), a test that never ends (a timer kept forever: a timeout either way), an
// uncaught error inside a test and one after the tests ended, ES module test files. Each
// warm run must report what spawning reports, and the worker must serve the next run.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadLocalRepo } from '../../sources/local.js';
import type { SuiteResult } from '../../validate.js';
import { detectRunner } from '../runners/detect.js';
import { SpawnSuite } from '../spawn.js';
import { WarmCliSuite } from './cli-suite.js';
import { edgeRepo } from './edge-repo.js';

function repoDir(files: Record<string, string>): string {
  const dir = edgeRepo(files, 'node');
  return dir;
}

const brief = (r: SuiteResult) => ({
  tests: r.tests,
  invalid: r.invalid,
  timedOut: r.timedOut,
  failing: r.exitCode !== 0,
});

/**
 * Runs `cases` (overrides) by spawning `node --test` and through the warm worker; `hang`
 * marks the case that never ends (spawned with a short timeout: the others may take
 * seconds on a loaded machine).
 */
async function same(
  files: Record<string, string>,
  cases: Record<string, string>[],
  hang = -1,
): Promise<SuiteResult[]> {
  const dir = repoDir(files);
  const repo = loadLocalRepo(dir);
  const detected = detectRunner(repo.files, undefined);
  const opts = { nodeModulesFrom: dir, runner: detected, timeoutMs: 30_000 };
  const spawn = new SpawnSuite(repo, opts);
  const short = new SpawnSuite(repo, { ...opts, timeoutMs: 4000 });
  const warm = new WarmCliSuite(repo, {
    kind: 'node:test',
    nodeModulesFrom: dir,
    segment: detected.segment,
    timeoutMs: 4000,
  });
  warm.useFiles(repo.testFiles.filter((f) => f.startsWith('test/')).sort());
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
    return out;
  } finally {
    spawn.dispose();
    short.dispose();
    warm.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

const pkg = (esm = false) =>
  JSON.stringify({
    name: 'edge-node',
    ...(esm ? { type: 'module' } : {}),
    scripts: { test: 'node --test test/' },
  });

describe('warm node:test: runs that end early', () => {
  it('throws at load, never settles, never ends, uncaught errors (CommonJS)', async () => {
    const a = `const { describe, it } = require('node:test');\nconst assert = require('node:assert');
const { f } = require('../lib.js');\ndescribe('a', () => { it('one', () => assert.equal(f(1), 2)); });\n`;
    const b = `const test = require('node:test');\nconst assert = require('node:assert');
const { f } = require('../lib.js');\ntest('b one', async () => assert.equal(f(3), 4));\n`;
    const body = 'assert.equal(f(3), 4)';
    const inTest =
      'exports.f = (x) => { if (x === 3) setTimeout(() => { throw new Error("late"); }, 0); return x + 1; };\n';
    const [clean, , , pending, hung, during, after, again] = await same(
      {
        'package.json': pkg(),
        'lib.js': 'exports.f = (x) => x + 1;\n',
        'test/a.js': a,
        'test/b.js': b,
      },
      [
        {},
        // Before any test of either file: both files end at load.
        { 'lib.js': 'throw new Error("boom at load");\n' },
        // After a.js registered its suite: its tests still run, the run fails.
        { 'test/a.js': `${a}throw new Error("after a test");\n` },
        // A promise that never settles: cancelled when the event loop is empty.
        { 'test/b.js': b.replace(body, '{ await new Promise(() => {}); }') },
        // A timer kept forever: the run times out.
        { 'test/b.js': b.replace(body, '{ setInterval(() => {}, 1000); }') },
        // An uncaught error while b's test runs (its timer fires before the test ends).
        {
          'lib.js': inTest,
          'test/b.js': b.replace(body, `{ ${body}; await new Promise((r) => setTimeout(r, 20)); }`),
        },
        // An uncaught error after b's test ended: node reports it, the file exits 1.
        { 'lib.js': inTest },
        {},
      ],
      4,
    );
    assert.deepEqual(clean.tests, { 'test/a.js > a > one': 'pass', 'test/b.js > b one': 'pass' });
    assert.equal(pending.tests['test/b.js > b one'], 'fail');
    assert.equal(hung.timedOut, true);
    assert.equal(during.tests['test/b.js > b one'], 'fail');
    assert.equal(after.tests['test/b.js > b one'], 'pass');
    assert.equal(after.invalid, true);
    assert.deepEqual(again.tests, clean.tests);
  });

  it('ES module test files load anew each run', async () => {
    const a = `import { it } from 'node:test';\nimport assert from 'node:assert';
import { f } from '../lib.js';\nit('one', () => assert.equal(f(1), 2));\n`;
    const [clean, mutant, again] = await same(
      { 'package.json': pkg(true), 'lib.js': 'export const f = (x) => x + 1;\n', 'test/a.js': a },
      [{}, { 'lib.js': 'export const f = (x) => x + 2;\n' }, {}],
    );
    assert.deepEqual(clean.tests, { 'test/a.js > one': 'pass' });
    assert.deepEqual(mutant.tests, { 'test/a.js > one': 'fail' });
    assert.deepEqual(again.tests, clean.tests);
  });
});

// The warm tape and uvu workers where a run does not simply finish: a test that never ends
// (tape fails it when the process would exit), a test file that throws while loading, an
// uncaught asynchronous error (each ends a spawned run early). For each, the warm run must
// report what spawning the runner reports, and the worker must serve the next run.
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadLocalRepo } from '../../sources/local.js';
import type { SuiteResult } from '../../validate.js';
import { detectRunner } from '../runners/detect.js';
import { SpawnSuite } from '../spawn.js';
import { WarmCliSuite } from './cli-suite.js';
import { edgeRepo, NM } from './edge-repo.js';

const missing = (pkg: string) =>
  existsSync(join(NM, pkg)) ? false : `${pkg} not installed: run npm ci`;

const repoDir = (files: Record<string, string>) => edgeRepo(files, 'edge');

const brief = (r: SuiteResult) => ({ tests: r.tests, invalid: r.invalid, timedOut: r.timedOut });

/** Runs `cases` (overrides) through spawning and the warm worker, asserting equal results. */
async function same(
  kind: 'tape' | 'uvu',
  files: Record<string, string>,
  cases: Record<string, string>[],
): Promise<SuiteResult[]> {
  const dir = repoDir(files);
  const repo = loadLocalRepo(dir);
  const detected = detectRunner(repo.files, undefined);
  const spawn = new SpawnSuite(repo, { nodeModulesFrom: dir, runner: detected });
  const warm = new WarmCliSuite(repo, {
    kind,
    nodeModulesFrom: dir,
    segment: detected.segment,
    timeoutMs: 20_000,
  });
  try {
    const out: SuiteResult[] = [];
    for (const c of cases) {
      const a = await spawn.run(c, null);
      const b = await warm.run(c, null);
      assert.deepEqual(brief(b), brief(a), JSON.stringify(c).slice(0, 120));
      out.push(b);
    }
    return out;
  } finally {
    spawn.dispose();
    warm.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

const pkg = (runner: string, script: string, esm = false) =>
  JSON.stringify({
    name: `edge-${runner}`,
    ...(esm ? { type: 'module' } : {}),
    scripts: { test: script },
    devDependencies: { [runner]: '*' },
  });

describe('warm tape and uvu: runs that end early', () => {
  it('tape: a file throwing at load, a test that never ends, an uncaught async error', {
    skip: missing('tape'),
  }, async () => {
    const a = `const test = require('tape');\nconst { f } = require('../lib.js');\n
test('a one', (t) => { t.equal(f(1), 2); t.end(); });\n`;
    const b = `const test = require('tape');\nconst { f } = require('../lib.js');\n
test('b one', (t) => { t.equal(f(3), 4); t.end(); });\n`;
    const late =
      'exports.f = (x) => { if (x === 3) setTimeout(() => { throw new Error("late"); }, 0); return x + 1; };\n';
    const [clean, , unended, crashed, again] = await same(
      'tape',
      {
        'package.json': pkg('tape', 'tape test/*.js'),
        'lib.js': 'exports.f = (x) => x + 1;\n',
        'test/a.js': a,
        'test/b.js': b,
      },
      [
        {},
        { 'lib.js': 'throw new Error("boom at load");\n' },
        { 'test/a.js': a.replace('t.end(); ', '') },
        { 'lib.js': late },
        {},
      ],
    );
    assert.deepEqual(clean.tests, { 'test/a.js > a one': 'pass', 'test/b.js > b one': 'pass' });
    assert.equal(unended.exitCode, 1);
    assert.equal(crashed.invalid, true);
    assert.deepEqual(again.tests, clean.tests);
  });

  it('uvu: a file throwing at load, an uncaught async error, ES modules', {
    skip: missing('uvu'),
  }, async () => {
    const t = (name: string, x: number) =>
      `import { test } from 'uvu';\nimport * as assert from 'uvu/assert';\nimport { f } from '../lib.js';\n
test('${name}', () => { assert.is(f(${x}), ${x + 1}); });\ntest.run();\n`;
    const late =
      'export const f = (x) => { if (x === 2) setTimeout(() => { throw new Error("late"); }, 0); return x + 1; };\n';
    const [clean, , crashed, again] = await same(
      'uvu',
      {
        'package.json': pkg('uvu', 'uvu test', true),
        'lib.js': 'export const f = (x) => x + 1;\n',
        'test/a.js': t('a one', 1),
        'test/b.js': t('b one', 2),
      },
      [{}, { 'lib.js': 'throw new Error("boom at load");\n' }, { 'lib.js': late }, {}],
    );
    assert.equal(crashed.invalid, true);
    assert.deepEqual(clean.tests, { 'test/a.js > a one': 'pass', 'test/b.js > b one': 'pass' });
    assert.deepEqual(again.tests, clean.tests);
  });
});

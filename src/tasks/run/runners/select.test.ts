// Test-file selection: the import graph over the per-runner library fixture and a few
// shapes of real repositories, each runner's command narrowed to chosen files, and a real
// narrowed run (node:test, tape) that reports exactly the chosen file's tests.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadLocalRepo } from '../../sources/local.js';
import { SpawnSuite } from '../spawn.js';
import { detectRunner } from './detect.js';
import { RUNNER_TABLE, RUNNERS } from './index.js';
import { libFixtureFiles, writeLibFixture } from './lib-fixture.js';
import { narrowCommand, relatedTests } from './select.js';

const NODE_MODULES = join(process.cwd(), 'node_modules');
const tests = ['test/list.test.js', 'test/num.test.js', 'test/text.test.js'];

describe('relatedTests', () => {
  for (const runner of RUNNERS) {
    it(`${runner} fixture: each module is reached by its own test file only`, () => {
      const files = libFixtureFiles(runner);
      const related = relatedTests(files, tests);
      assert.deepEqual([...(related('lib/num.js') ?? [])], ['test/num.test.js']);
      assert.deepEqual([...(related('lib/text.js') ?? [])], ['test/text.test.js']);
      assert.deepEqual([...(related('README.md') ?? [])], []);
    });
  }

  it("follows require('..') to package.json main, the package's own name and chains", () => {
    const files = {
      'package.json': JSON.stringify({ name: 'pkg', main: 'index.js' }),
      'index.js': "module.exports = require('./lib/a');",
      'lib/a.js': "const b = require('./b.js'); module.exports = b;",
      'lib/b.js': 'module.exports = 1;',
      'lib/c.js': 'module.exports = 2;',
      'test/one.js': "const x = require('..');",
      'test/two.js': "import c from 'pkg/lib/c.js';",
    };
    const related = relatedTests(files, ['test/one.js', 'test/two.js']);
    assert.deepEqual([...(related('lib/b.js') ?? [])], ['test/one.js']);
    assert.deepEqual([...(related('lib/c.js') ?? [])], ['test/two.js']);
  });

  it('a computed require or a child process turns selection off (null)', () => {
    const base = { 'package.json': '{}', 'lib/a.js': '' };
    for (const t of [
      "const m = require(name + '.js');",
      "const { spawnSync } = require('node:child_process');",
    ]) {
      const related = relatedTests({ ...base, 'test/a.js': t }, ['test/a.js']);
      assert.equal(related('lib/a.js'), null, t);
    }
  });
});

describe('narrowCommand', () => {
  const want: Record<string, RegExp> = {
    'node:test': /^node --test 'test\/num\.test\.js'$/,
    mocha: /^mocha --reporter dot 'test\/num\.test\.js'$/,
    jest: /^jest 'test\/num\.test\.js'$/,
    vitest: /^vitest run 'test\/num\.test\.js'$/,
    tap: /^tap 'test\/num\.test\.js'$/,
    tape: /^tape 'test\/num\.test\.js'$/,
    ava: /^ava 'test\/num\.test\.js'$/,
    uvu: /^uvu \. '\^\(\?:test\/num\\\.test\\\.js\)\$'$/,
  };
  for (const runner of RUNNERS) {
    it(`${runner}: the script's spec words replaced by the chosen files`, () => {
      const files = libFixtureFiles(runner);
      const script = (JSON.parse(files['package.json']) as { scripts: { test: string } }).scripts
        .test;
      assert.match(narrowCommand(runner, script, ['test/num.test.js'], files) ?? '', want[runner]);
    });
  }

  it("keeps a flag's value that looks like a test file", () => {
    const files = { 'test/setup.js': '', 'test/a.test.js': '' };
    assert.equal(
      narrowCommand('mocha', 'mocha --require test/setup.js test/', ['test/a.test.js'], files),
      "mocha --require test/setup.js 'test/a.test.js'",
    );
  });

  it('null when the command does not show the runner', () => {
    assert.equal(narrowCommand('tape', 'node run-tests.js', ['test/a.js'], {}), null);
  });
});

describe('narrowed runs', () => {
  for (const runner of ['node:test', 'tape'] as const) {
    it(`${runner}: a selected run reports exactly the chosen file's tests`, async () => {
      const dir = writeLibFixture(runner, NODE_MODULES);
      const repo = loadLocalRepo(dir);
      const suite = new SpawnSuite(repo, {
        nodeModulesFrom: dir,
        runner: detectRunner(repo.files, undefined),
        select: true,
        timeoutMs: 60_000,
      });
      try {
        const clean = await suite.run({}, null);
        assert.equal(Object.keys(clean.tests).length, 24, suite.lastOutput.slice(-800));
        assert.equal(
          suite.learn({ tests: clean.tests, pass: new Set(Object.keys(clean.tests)) }),
          true,
        );
        const only = suite.covering('lib/num.js', []) as Set<string>;
        assert.equal(only.size, 8);
        assert.ok([...only].every((id) => id.startsWith('test/num.test.js > ')));
        const buggy = repo.files['lib/num.js'].replace(
          'if (x > hi) return hi;',
          'if (x > hi) return lo;',
        );
        const r = await suite.run({ 'lib/num.js': buggy }, only);
        assert.deepEqual(
          Object.keys(r.tests).sort(),
          [...only].sort(),
          suite.lastOutput.slice(-800),
        );
        assert.equal(Object.values(r.tests).filter((s) => s === 'fail').length, 1);
        assert.ok(RUNNER_TABLE[runner]);
      } finally {
        suite.dispose();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

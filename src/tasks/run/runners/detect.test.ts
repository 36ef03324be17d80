// Runner detection from package.json and the command, and the runner invocation built from
// a repository's own script (its reporter flags replaced by loopsmith's).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../../errors.js';
import { detectRunner } from './detect.js';
import { invocationFor } from './index.js';

const pkg = (p: object, extra: Record<string, string> = {}) => ({
  'package.json': JSON.stringify(p),
  'test/a.test.js': '',
  ...extra,
});

describe('detectRunner', () => {
  it('reads the test script, following npm run indirections and chains', () => {
    const d = detectRunner(
      pkg({
        scripts: {
          test: 'npm run lint && npm run unit',
          unit: 'NODE_ENV=test mocha -R dot test/',
          lint: 'eslint .',
        },
      }),
      undefined,
    );
    assert.equal(d.runner, 'mocha');
    assert.equal(d.segment, 'NODE_ENV=test mocha -R dot test/');
    assert.match(d.evidence, /scripts\.test runs mocha/);
  });

  it('node --test, jest via npx, tape piped into a pretty-printer', () => {
    assert.equal(
      detectRunner(pkg({ scripts: { test: 'node --test test/' } }), undefined).runner,
      'node:test',
    );
    assert.equal(
      detectRunner(pkg({ scripts: { test: 'npx jest --ci' } }), undefined).runner,
      'jest',
    );
    const t = detectRunner(pkg({ scripts: { test: 'tape test/*.js | tap-spec' } }), undefined);
    assert.deepEqual([t.runner, t.segment], ['tape', 'tape test/*.js']);
  });

  it('falls back on config files, then devDependencies, then node:test imports', () => {
    const base = { scripts: { test: 'make check' } };
    assert.equal(detectRunner(pkg(base, { 'vitest.config.ts': '' }), undefined).runner, 'vitest');
    assert.equal(detectRunner(pkg(base, { '.mocharc.yml': '' }), undefined).runner, 'mocha');
    assert.equal(detectRunner(pkg({ ...base, ava: {} }), undefined).runner, 'ava');
    assert.equal(
      detectRunner(pkg({ ...base, devDependencies: { uvu: '1' } }), undefined).runner,
      'uvu',
    );
    const d = detectRunner(
      { ...pkg(base), 'test/a.test.js': "import test from 'node:test';" },
      undefined,
    );
    assert.equal(d.runner, 'node:test');
  });

  it('--test-cmd and --runner win; an unknown --runner is a user error', () => {
    const files = pkg({ scripts: { test: 'jest' }, devDependencies: { jest: '1' } });
    assert.equal(detectRunner(files, 'npx mocha --reporter dot').runner, 'mocha');
    assert.equal(detectRunner(files, undefined, 'vitest').runner, 'vitest');
    assert.throws(() => detectRunner(files, undefined, 'karma'), UserError);
  });

  it('nothing found: says what was seen and which flags to pass', () => {
    assert.throws(
      () =>
        detectRunner(
          pkg({ scripts: { test: 'make check' }, devDependencies: { mocha: '1', jest: '1' } }),
          undefined,
        ),
      (e: Error) =>
        e instanceof UserError &&
        /scripts\.test is "make check"/.test(e.message) &&
        /several runners \(mocha, jest\)/.test(e.message) &&
        /pass --runner node:test\|mocha\|.* and --test-cmd/.test(e.message),
    );
  });
});

describe('invocationFor', () => {
  it("replaces the script's reporter with loopsmith's", () => {
    const m = invocationFor('mocha', 'mocha --reporter dot --timeout 5000 test/', '/r');
    assert.match(
      m.cmd,
      /^mocha --timeout 5000 test\/ --reporter '.*mocha-reporter\.js' --no-parallel$/,
    );
    assert.equal(m.env.LOOPSMITH_REPORT, '/r');
    const j = invocationFor('jest', 'jest --json --verbose --silent', '/r');
    assert.equal(j.cmd, "jest --silent --ci --json --outputFile='/r' --coverage=false");
    assert.equal(
      invocationFor('vitest', 'vitest --reporter=dot', '/r').cmd,
      "vitest run --reporter=json --outputFile='/r'",
    );
    assert.equal(invocationFor('ava', 'ava --verbose', '/r').cmd, 'ava --tap');
    assert.match(
      invocationFor('node:test', 'node --test --test-reporter=spec test/', '/r').cmd,
      /^node --test test\/$/,
    );
  });
});

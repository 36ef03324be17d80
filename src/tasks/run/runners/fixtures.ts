// One small repository per runner, written by the tests: a two-function library and a suite
// "calc" of three tests (adds, clamps pass; broken fails), run by a script that uses a
// human reporter. The runners come from loopsmith's own devDependencies (node_modules linked).
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { RunnerName } from './index.js';

const CJS_LIB = `function add(a, b) {
  return a + b;
}
function clamp(x, lo, hi) {
  if (x < lo) return lo;
  if (x > hi) return hi;
  return x;
}
module.exports = { add, clamp };
`;
const ESM_LIB = CJS_LIB.replace('module.exports = { add, clamp };', 'export { add, clamp };');

interface Fixture {
  esm: boolean;
  script: string;
  file: string;
  test: string;
}

const FIXTURES: Record<RunnerName, Fixture> = {
  'node:test': {
    esm: false,
    script: 'node --test --test-reporter=spec test/calc.test.js',
    file: 'test/calc.test.js',
    test: `const { describe, it } = require('node:test');
const assert = require('node:assert');
const { add, clamp } = require('../lib/calc.js');
describe('calc', () => {
  it('adds', () => assert.equal(add(2, 3), 5));
  it('clamps', () => assert.equal(clamp(9, 0, 5), 5));
  it('broken', () => assert.equal(add(1, 1), 3));
});
`,
  },
  mocha: {
    esm: false,
    script: 'mocha --reporter dot',
    file: 'test/calc.test.js',
    test: `const assert = require('node:assert');
const { add, clamp } = require('../lib/calc.js');
describe('calc', () => {
  it('adds', () => assert.equal(add(2, 3), 5));
  it('clamps', () => assert.equal(clamp(9, 0, 5), 5));
  it('broken', () => assert.equal(add(1, 1), 3));
});
`,
  },
  jest: {
    esm: false,
    script: 'jest --verbose',
    file: 'test/calc.test.js',
    test: `const { add, clamp } = require('../lib/calc.js');
describe('calc', () => {
  it('adds', () => expect(add(2, 3)).toBe(5));
  it('clamps', () => expect(clamp(9, 0, 5)).toBe(5));
  it('broken', () => expect(add(1, 1)).toBe(3));
});
`,
  },
  vitest: {
    esm: true,
    script: 'vitest --reporter=dot',
    file: 'test/calc.test.js',
    test: `import { describe, expect, it } from 'vitest';
import { add, clamp } from '../lib/calc.js';
describe('calc', () => {
  it('adds', () => expect(add(2, 3)).toBe(5));
  it('clamps', () => expect(clamp(9, 0, 5)).toBe(5));
  it('broken', () => expect(add(1, 1)).toBe(3));
});
`,
  },
  tap: {
    esm: false,
    script: 'tap --reporter=terse',
    file: 'test/calc.test.js',
    test: `const t = require('tap');
const { add, clamp } = require('../lib/calc.js');
t.test('calc', async (t) => {
  t.test('adds', async (t) => t.equal(add(2, 3), 5));
  t.test('clamps', async (t) => t.equal(clamp(9, 0, 5), 5));
  t.test('broken', async (t) => t.equal(add(1, 1), 3));
});
`,
  },
  tape: {
    esm: false,
    script: 'tape test/*.test.js | cat',
    file: 'test/calc.test.js',
    test: `const test = require('tape');
const { add, clamp } = require('../lib/calc.js');
test('calc', (t) => {
  t.test('adds', (st) => { st.equal(add(2, 3), 5); st.end(); });
  t.test('clamps', (st) => { st.equal(clamp(9, 0, 5), 5); st.end(); });
  t.test('broken', (st) => { st.equal(add(1, 1), 3); st.end(); });
  t.end();
});
`,
  },
  ava: {
    esm: true,
    script: 'ava --verbose',
    file: 'test/calc.test.js',
    test: `import test from 'ava';
import { add, clamp } from '../lib/calc.js';
test('adds', (t) => t.is(add(2, 3), 5));
test('clamps', (t) => t.is(clamp(9, 0, 5), 5));
test('broken', (t) => t.is(add(1, 1), 3));
`,
  },
  uvu: {
    esm: true,
    script: 'uvu test',
    file: 'test/calc.test.js',
    test: `import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { add, clamp } from '../lib/calc.js';
const calc = suite('calc');
calc('adds', () => assert.is(add(2, 3), 5));
calc('clamps', () => assert.is(clamp(9, 0, 5), 5));
calc('broken', () => assert.is(add(1, 1), 3));
calc.run();
`,
  },
};

/** Expected ids of a fixture's tests (ava has no suites). */
export function fixtureIds(runner: RunnerName): { pass: string[]; fail: string[] } {
  const f = FIXTURES[runner].file;
  const p = runner === 'ava' ? `${f} >` : `${f} > calc >`;
  return { pass: [`${p} adds`, `${p} clamps`], fail: [`${p} broken`] };
}

/** Writes the fixture repository of `runner` into a new temp dir; returns the dir. */
export function writeFixture(runner: RunnerName, nodeModules: string): string {
  const fx = FIXTURES[runner];
  const dir = mkdtempSync(join(tmpdir(), `ls-runner-${runner.replace(/\W/g, '')}-`));
  const files: Record<string, string> = {
    'package.json': `${JSON.stringify(
      {
        name: `fixture-${runner.replace(/\W/g, '')}`,
        version: '1.0.0',
        ...(fx.esm ? { type: 'module' } : {}),
        scripts: { test: fx.script },
        devDependencies: runner === 'node:test' ? {} : { [runner]: '*' },
      },
      null,
      2,
    )}\n`,
    'lib/calc.js': fx.esm ? ESM_LIB : CJS_LIB,
    [fx.file]: fx.test,
  };
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), c);
  }
  symlinkSync(nodeModules, join(dir, 'node_modules'));
  return dir;
}

// A small multi-file library with the same tests written for each runner (three source
// modules, one test file each, 24 tests): what the per-runner speed benchmark against
// StrykerJS (bench/tasks-runners.bench.ts) and the test-file selection tests run on. One
// test file per module makes test selection matter, as in real repositories.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { RunnerName } from './index.js';

interface Fn {
  name: string;
  src: string;
}

const MODULES: Record<string, Fn[]> = {
  text: [
    {
      name: 'capitalize',
      src: `function capitalize(s) {
  if (s.length === 0) return s;
  return s[0].toUpperCase() + s.slice(1);
}`,
    },
    {
      name: 'repeat',
      src: `function repeat(s, n) {
  let out = '';
  for (let i = 0; i < n; i++) out += s;
  return out;
}`,
    },
    {
      name: 'padLeft',
      src: `function padLeft(s, width, ch) {
  let out = s;
  while (out.length < width) out = ch + out;
  return out;
}`,
    },
    {
      name: 'words',
      src: `function words(s) {
  return s.split(' ').filter((w) => w.length > 0);
}`,
    },
  ],
  num: [
    {
      name: 'clamp',
      src: `function clamp(x, lo, hi) {
  if (x < lo) return lo;
  if (x > hi) return hi;
  return x;
}`,
    },
    {
      name: 'sum',
      src: `function sum(xs) {
  let total = 0;
  for (const x of xs) total += x;
  return total;
}`,
    },
    {
      name: 'mean',
      src: `function mean(xs) {
  if (xs.length === 0) return 0;
  return sum(xs) / xs.length;
}`,
    },
    {
      name: 'isPrime',
      src: `function isPrime(n) {
  if (n < 2) return false;
  for (let i = 2; i * i <= n; i++) if (n % i === 0) return false;
  return true;
}`,
    },
  ],
  list: [
    {
      name: 'chunk',
      src: `function chunk(xs, size) {
  const out = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}`,
    },
    {
      name: 'unique',
      src: `function unique(xs) {
  const seen = new Set();
  return xs.filter((x) => (seen.has(x) ? false : (seen.add(x), true)));
}`,
    },
    {
      name: 'last',
      src: `function last(xs) {
  return xs.length > 0 ? xs[xs.length - 1] : undefined;
}`,
    },
    {
      name: 'range',
      src: `function range(a, b) {
  const out = [];
  for (let i = a; i < b; i++) out.push(i);
  return out;
}`,
    },
  ],
};

/** [title, expression, expected (JS text), deep?] per module. */
const TESTS: Record<string, [string, string, string, boolean][]> = {
  text: [
    ['capitalizes a word', "capitalize('hello')", "'Hello'", false],
    ['keeps the empty string', "capitalize('')", "''", false],
    ['repeats', "repeat('ab', 3)", "'ababab'", false],
    ['repeats zero times', "repeat('x', 0)", "''", false],
    ['pads on the left', "padLeft('7', 3, '0')", "'007'", false],
    ['does not cut long text', "padLeft('1234', 2, '0')", "'1234'", false],
    ['splits words', "words('a  b c')", "['a', 'b', 'c']", true],
    ['no words in blanks', "words('   ')", '[]', true],
  ],
  num: [
    ['clamps high', 'clamp(9, 0, 5)', '5', false],
    ['clamps low', 'clamp(-2, 0, 5)', '0', false],
    ['keeps inside', 'clamp(3, 0, 5)', '3', false],
    ['sums', 'sum([1, 2, 3, 4])', '10', false],
    ['means', 'mean([2, 4, 9])', '5', false],
    ['mean of nothing', 'mean([])', '0', false],
    ['finds primes', '[2, 3, 4, 9, 11].map(isPrime)', '[true, true, false, false, true]', true],
    ['one is not prime', 'isPrime(1)', 'false', false],
  ],
  list: [
    ['chunks', 'chunk([1, 2, 3, 4, 5], 2)', '[[1, 2], [3, 4], [5]]', true],
    ['chunks exactly', 'chunk([1, 2], 2)', '[[1, 2]]', true],
    ['drops duplicates', 'unique([1, 2, 1, 3, 2])', '[1, 2, 3]', true],
    ['keeps order', "unique(['b', 'a', 'b'])", "['b', 'a']", true],
    ['last item', 'last([4, 5, 6])', '6', false],
    ['last of nothing', 'last([])', 'undefined', false],
    ['ranges', 'range(2, 5)', '[2, 3, 4]', true],
    ['empty range', 'range(3, 3)', '[]', true],
  ],
};

interface Style {
  esm: boolean;
  script: string;
  head: string;
  /** The whole test file around the rendered tests. */
  wrap(suite: string, body: string): string;
  test(title: string, expr: string, expected: string, deep: boolean): string;
}

const nodeAssert = (expr: string, expected: string, deep: boolean) =>
  `assert.${deep ? 'deepStrictEqual' : 'strictEqual'}(${expr}, ${expected})`;
const expectStyle = (title: string, expr: string, expected: string, deep: boolean) =>
  `  it('${title}', () => expect(${expr}).${deep ? 'toEqual' : 'toBe'}(${expected}));`;
const describeWrap = (suite: string, body: string) =>
  `describe('${suite}', () => {\n${body}\n});\n`;

const STYLES: Record<RunnerName, Style> = {
  'node:test': {
    esm: false,
    script: 'node --test test/',
    head: "const { describe, it } = require('node:test');\nconst assert = require('node:assert');\n",
    wrap: describeWrap,
    test: (t, e, x, d) => `  it('${t}', () => ${nodeAssert(e, x, d)});`,
  },
  mocha: {
    esm: false,
    script: 'mocha --reporter dot test/',
    head: "const assert = require('node:assert');\n",
    wrap: describeWrap,
    test: (t, e, x, d) => `  it('${t}', () => ${nodeAssert(e, x, d)});`,
  },
  jest: {
    esm: false,
    script: 'jest',
    head: '',
    wrap: describeWrap,
    test: expectStyle,
  },
  vitest: {
    esm: true,
    script: 'vitest run',
    head: "import { describe, expect, it } from 'vitest';\n",
    wrap: describeWrap,
    test: expectStyle,
  },
  tap: {
    esm: false,
    script: 'tap',
    head: "const t = require('tap');\n",
    wrap: (s, body) => `t.test('${s}', async (t) => {\n${body}\n});\n`,
    test: (t, e, x, d) =>
      `  t.test('${t}', async (t) => t.${d ? 'strictSame' : 'equal'}(${e}, ${x}));`,
  },
  tape: {
    esm: false,
    script: 'tape test/*.test.js',
    head: "const test = require('tape');\n",
    wrap: (s, body) => `test('${s}', (t) => {\n${body}\n  t.end();\n});\n`,
    test: (t, e, x, d) =>
      `  t.test('${t}', (st) => { st.${d ? 'deepEqual' : 'equal'}(${e}, ${x}); st.end(); });`,
  },
  ava: {
    esm: true,
    script: 'ava',
    head: "import test from 'ava';\n",
    wrap: (_s, body) => `${body}\n`,
    test: (t, e, x, d) => `test('${t}', (t) => t.${d ? 'deepEqual' : 'is'}(${e}, ${x}));`,
  },
  uvu: {
    esm: true,
    script: 'uvu test',
    head: "import { suite } from 'uvu';\nimport * as assert from 'uvu/assert';\n",
    wrap: (s, body) => `const s = suite('${s}');\n${body}\ns.run();\n`,
    test: (t, e, x, d) => `s('${t}', () => assert.${d ? 'equal' : 'is'}(${e}, ${x}));`,
  },
};

/** The fixture's files for `runner` (no package install). */
export function libFixtureFiles(runner: RunnerName): Record<string, string> {
  const st = STYLES[runner];
  const files: Record<string, string> = {
    'package.json': `${JSON.stringify(
      {
        name: `lib-${runner.replace(/\W/g, '')}`,
        version: '1.0.0',
        ...(st.esm ? { type: 'module' } : {}),
        scripts: { test: st.script },
        devDependencies: runner === 'node:test' ? {} : { [runner]: '*' },
      },
      null,
      2,
    )}\n`,
  };
  for (const [mod, fns] of Object.entries(MODULES)) {
    const names = fns.map((f) => f.name).join(', ');
    const exp = st.esm ? `export { ${names} };` : `module.exports = { ${names} };`;
    files[`lib/${mod}.js`] = `${fns.map((f) => f.src).join('\n\n')}\n\n${exp}\n`;
    const imp = st.esm
      ? `import { ${names} } from '../lib/${mod}.js';\n`
      : `const { ${names} } = require('../lib/${mod}.js');\n`;
    const body = TESTS[mod].map(([t, e, x, d]) => st.test(t, e, x, d)).join('\n');
    files[`test/${mod}.test.js`] = `${st.head}${imp}${st.wrap(mod, body)}`;
  }
  return files;
}

/** Tests in the fixture (every one passes on the clean library). */
export const LIB_FIXTURE_TESTS = Object.values(TESTS).reduce((n, t) => n + t.length, 0);

/** Writes the fixture for `runner` into a new temp dir linking `nodeModules`; returns it. */
export function writeLibFixture(runner: RunnerName, nodeModules: string): string {
  const dir = mkdtempSync(join(tmpdir(), `ls-lib-${runner.replace(/\W/g, '')}-`));
  for (const [p, c] of Object.entries(libFixtureFiles(runner))) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), c);
  }
  symlinkSync(nodeModules, join(dir, 'node_modules'));
  return dir;
}

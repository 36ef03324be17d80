// Canary tests written into the restored test files at grading time, in the file's own
// style (its node:test functions, its assertion binding and the assertion methods it
// uses): for each method, a test that must fail; at the end of the file, one that must
// pass. Names and values are fresh random draws each run, so code under test cannot know
// them in advance. A must-fail canary that passes, or a canary missing from a file that
// otherwise reported tests, means the test machinery was tampered with.
import { randomInt } from 'node:crypto';

export interface Canaries {
  /** Test files with the canaries in them (path -> content). */
  files: Record<string, string>;
  mustFail: string[];
  mustPass: string[];
  /** Canary ids per test file. */
  byFile: Record<string, string[]>;
}

export interface Style {
  esm: boolean;
  suite?: string;
  test: string;
  assert: string;
  /** Assertion methods the file uses (or `call` for `assert(x)`). */
  methods: string[];
  /** Lines to add at the top when the file has no usable binding of its own. */
  header: string;
}

const METHODS = [
  'equal',
  'strictEqual',
  'deepEqual',
  'deepStrictEqual',
  'notEqual',
  'notStrictEqual',
  'ok',
  'throws',
  'match',
  'rejects',
];

const r = (lo: number, hi: number) => randomInt(lo, hi + 1);
const pick = <T>(xs: readonly T[]): T => xs[randomInt(xs.length)];

const HEADS = [
  'count',
  'merge',
  'scale',
  'parse',
  'format',
  'clamp',
  'total',
  'pick',
  'track',
  'split',
  'group',
  'rank',
];
const TAILS = [
  'Items',
  'Range',
  'Totals',
  'Values',
  'Entries',
  'Window',
  'Pairs',
  'Steps',
  'Slots',
  'Marks',
];

function freshName(taken: string): string {
  for (;;) {
    const n = `${pick(HEADS)}${pick(TAILS)}${r(0, 1) ? '' : r(2, 99)}`;
    if (!taken.includes(n)) return n;
  }
}

/** The file's node:test and assertion bindings, as far as its imports tell. */
export function detectStyle(src: string, path: string): Style {
  const esm = /\.(mjs|ts|mts|tsx)$/.test(path) || /^\s*import\s/m.test(src);
  const named = (mod: RegExp): Record<string, string> => {
    const out: Record<string, string> = {};
    const re = new RegExp(
      `(?:import\\s*\\{([^}]*)\\}\\s*from|const\\s*\\{([^}]*)\\}\\s*=\\s*require\\()\\s*['"]${mod.source}['"]`,
      'g',
    );
    for (const m of src.matchAll(re))
      for (const part of (m[1] ?? m[2]).split(',')) {
        const [orig, alias] = part.trim().split(/\s+as\s+|\s*:\s*/);
        if (orig) out[orig.trim()] = (alias ?? orig).trim();
      }
    return out;
  };
  const t = named(/(?:node:)?test/);
  const defTest = /import\s+(\w+)\s+from\s*['"](?:node:)?test['"]/.exec(src)?.[1];
  const a = named(/(?:node:)?assert(?:\/strict)?/);
  const defAssert =
    /import\s+(?:\*\s+as\s+)?(\w+)\s+from\s*['"](?:node:)?assert(?:\/strict)?['"]/.exec(src)?.[1] ??
    /(?:const|let|var)\s+(\w+)\s*=\s*require\(\s*['"](?:node:)?assert(?:\/strict)?['"]\s*\)/.exec(
      src,
    )?.[1] ??
    a.strict;
  let header = '';
  const fresh = `__c${r(1000, 999_999)}`;
  let test: string | undefined = t.it ?? t.test ?? defTest;
  let suite: string | undefined = t.describe ?? t.suite;
  if (test === undefined) {
    test = `${fresh}t`;
    suite = undefined;
    header += esm
      ? `import { test as ${test} } from 'node:test';\n`
      : `const { test: ${test} } = require('node:test');\n`;
  }
  let assert = defAssert;
  let methods: string[] = [];
  if (assert) {
    methods = METHODS.filter((m) => new RegExp(`\\b${assert}\\.${m}\\(`).test(src));
    if (new RegExp(`(^|[^.\\w])${assert}\\(`).test(src)) methods.push('call');
  } else {
    assert = `${fresh}a`;
    header += esm
      ? `import ${assert} from 'node:assert/strict';\n`
      : `const ${assert} = require('node:assert/strict');\n`;
  }
  if (methods.length === 0) methods = ['equal'];
  return { esm, suite, test: test ?? `${fresh}t`, assert, methods, header };
}

// A must-fail body using `method` of `a` (true in real code, false in the assertion).
export function failing(a: string, method: string): { body: string; async: boolean } {
  const x = r(2, 60);
  const y = r(2, 60);
  const k = r(2, 9);
  const d = r(1, 5);
  switch (method) {
    case 'equal':
    case 'strictEqual':
      return {
        body: `${a}.${method}([${x}, ${y}].reduce((s, v) => s + v, 0), ${x + y + d});`,
        async: false,
      };
    case 'deepEqual':
    case 'deepStrictEqual':
      return {
        body: `${a}.${method}([${x}, ${y}].map((v) => v * ${k}), [${x * k}, ${y * k + d}]);`,
        async: false,
      };
    case 'notEqual':
    case 'notStrictEqual':
      return { body: `${a}.${method}(${x} * ${k}, ${x * k});`, async: false };
    case 'ok':
      return { body: `${a}.ok([${x}, ${y}].includes(${x + y + d}));`, async: false };
    case 'call':
      return { body: `${a}([${x}, ${y}].includes(${x + y + d}));`, async: false };
    case 'throws':
      return { body: `${a}.throws(() => [${x}, ${y}].indexOf(${y}));`, async: false };
    case 'match':
      return { body: `${a}.match('v${x}', /^w/);`, async: false };
    case 'rejects':
      return { body: `await ${a}.rejects(Promise.resolve(${x}));`, async: true };
    default:
      return { body: `${a}.equal(${x} + ${y}, ${x + y + d});`, async: false };
  }
}

export function passing(a: string, method: string): string {
  const x = r(2, 60);
  const y = r(2, 60);
  if (method === 'deepEqual' || method === 'deepStrictEqual')
    return `${a}.${method}([${x}, ${y}].map((v) => v + 1), [${x + 1}, ${y + 1}]);`;
  const m = method === 'strictEqual' ? 'strictEqual' : 'equal';
  return `${a}.${m}([${x}, ${y}].reduce((s, v) => s + v, 0), ${x + y});`;
}

const CASE_NAMES = [
  (a: number, b: number) => `returns ${a + b} for (${a}, ${b})`,
  (a: number, b: number) => `maps (${a}, ${b}) to ${a * b}`,
  (a: number) => `handles ${a} entries`,
  (a: number, b: number) => `gives ${b} for ${a}`,
];

function caseName(used: Set<string>): string {
  for (;;) {
    const n = pick(CASE_NAMES)(r(1, 40), r(1, 40));
    if (!used.has(n)) {
      used.add(n);
      return n;
    }
  }
}

function block(
  s: Style,
  suiteName: string,
  cases: { name: string; body: string; async: boolean }[],
): string {
  const its = cases.map(
    (c) =>
      `${s.suite ? '  ' : ''}${s.test}(${JSON.stringify(c.name)}, ${c.async ? 'async ' : ''}() => {\n${s.suite ? '    ' : '  '}${c.body}\n${s.suite ? '  ' : ''}});`,
  );
  if (!s.suite) return its.join('\n\n');
  return `${s.suite}(${JSON.stringify(suiteName)}, () => {\n${its.join('\n\n')}\n});`;
}

/** Adds canaries to each of `targets` (test file paths present in `testFiles`). */
export function addCanaries(testFiles: Record<string, string>, targets: string[]): Canaries {
  const out: Canaries = { files: { ...testFiles }, mustFail: [], mustPass: [], byFile: {} };
  for (const file of targets) {
    const src = testFiles[file];
    if (src === undefined) continue;
    const s = detectStyle(src, file);
    const used = new Set<string>();
    const id = (suite: string, name: string) =>
      s.suite ? `${file} > ${suite} > ${name}` : `${file} > ${name}`;
    const failSuite = freshName(src);
    const fails = s.methods.map((m) => ({ name: caseName(used), ...failing(s.assert, m) }));
    const passSuite = freshName(src + failSuite);
    const passes = [{ name: caseName(used), body: passing(s.assert, s.methods[0]), async: false }];
    out.mustFail.push(...fails.map((c) => id(failSuite, c.name)));
    out.mustPass.push(...passes.map((c) => id(passSuite, c.name)));
    out.byFile[file] = [
      ...fails.map((c) => id(failSuite, c.name)),
      ...passes.map((c) => id(passSuite, c.name)),
    ];
    // Must-fail among the real top-level blocks, at a random place; must-pass last, so an
    // exit part-way through the file leaves it missing.
    const lines = src.replace(/\s*$/, '').split('\n');
    const starts = lines
      .map((l, i) => (/^(describe|suite|test|it)\s*\(/.test(l) ? i : -1))
      .filter((i) => i >= 0);
    const at = starts.length ? pick([...starts, lines.length]) : lines.length;
    lines.splice(at, 0, `${block(s, failSuite, fails)}\n`);
    out.files[file] = `${s.header}${lines.join('\n')}\n\n${block(s, passSuite, passes)}\n`;
  }
  return out;
}

// Canaries for the test runners other than node:test (mocha, jest, vitest, tape, tap, ava,
// uvu): the same rule as canary.ts (fresh random names and values each run; must-fail tests
// among the file's own, a must-pass one last), written with the file's own test functions
// and its own assertion binding (node:assert, chai, expect, t.*, uvu/assert) so that code
// under test that neuters what the tests use turns a must-fail canary green. Ids are built
// the way the runners' parsers build them ("file > suite > name", or "file > name" where
// the runner has no suites).
import { randomInt } from 'node:crypto';
import type { RunnerName } from '../../tasks/run/runners/index.js';
import { type Canaries, detectStyle, failing, passing } from './canary.js';

const r = (lo: number, hi: number) => randomInt(lo, hi + 1);
const fresh = () => `__c${r(1000, 999_999)}`;
const WORDS = ['totals', 'ranges', 'values', 'pairs', 'slots', 'marks', 'steps', 'items'];
const word = () => WORDS[randomInt(WORDS.length)];

/** One must-fail and one must-pass assertion body in a dialect, for a method the file uses. */
interface Dialect {
  methods: { re: RegExp; fail: () => string; pass: () => string }[];
}

function sumCase(render: (got: string, want: number) => string, off: boolean): string {
  const x = r(2, 60);
  const y = r(2, 60);
  return render(`[${x}, ${y}].reduce((s, v) => s + v, 0)`, x + y + (off ? r(1, 5) : 0));
}
function deepCase(render: (got: string, want: string) => string, off: boolean): string {
  const x = r(2, 60);
  const y = r(2, 60);
  const k = r(2, 9);
  return render(`[${x}, ${y}].map((v) => v * ${k})`, `[${x * k}, ${y * k + (off ? r(1, 5) : 0)}]`);
}
function truthCase(render: (got: string) => string, off: boolean): string {
  const x = r(2, 60);
  const y = r(2, 60);
  return render(`[${x}, ${y}].includes(${off ? x + y + r(1, 5) : x})`);
}

// `a` is the binding (expect, t, assert ...); each entry: how the file spells it, and bodies.
function dialect(kind: 'expect' | 'chai' | 't' | 'ava' | 'uvu', a: string): Dialect {
  const m = (
    re: string,
    body: (off: boolean) => string,
  ): { re: RegExp; fail: () => string; pass: () => string } => ({
    re: new RegExp(re),
    fail: () => body(true),
    pass: () => body(false),
  });
  switch (kind) {
    case 'expect':
      return {
        methods: [
          m('\\.toBe\\(', (o) => sumCase((g, w) => `${a}(${g}).toBe(${w});`, o)),
          m('\\.toEqual\\(', (o) => deepCase((g, w) => `${a}(${g}).toEqual(${w});`, o)),
          m('\\.toStrictEqual\\(', (o) => deepCase((g, w) => `${a}(${g}).toStrictEqual(${w});`, o)),
          m('\\.toBeTruthy\\(', (o) => truthCase((g) => `${a}(${g}).toBeTruthy();`, o)),
        ],
      };
    case 'chai':
      return {
        methods: [
          m('\\.to\\.equal\\(', (o) => sumCase((g, w) => `${a}(${g}).to.equal(${w});`, o)),
          m('\\.deep\\.equal\\(|\\.eql\\(', (o) =>
            deepCase((g, w) => `${a}(${g}).to.deep.equal(${w});`, o),
          ),
          m('\\.to\\.be\\.true', (o) => truthCase((g) => `${a}(${g}).to.be.true;`, o)),
        ],
      };
    case 't':
      return {
        methods: [
          m('\\.(equal|is|strictEqual)\\(', (o) => sumCase((g, w) => `${a}.equal(${g}, ${w});`, o)),
          m('\\.(deepEqual|same|strictSame)\\(', (o) =>
            deepCase((g, w) => `${a}.deepEqual(${g}, ${w});`, o),
          ),
          m('\\.ok\\(', (o) => truthCase((g) => `${a}.ok(${g});`, o)),
        ],
      };
    case 'ava':
      return {
        methods: [
          m('\\.is\\(', (o) => sumCase((g, w) => `${a}.is(${g}, ${w});`, o)),
          m('\\.deepEqual\\(', (o) => deepCase((g, w) => `${a}.deepEqual(${g}, ${w});`, o)),
          m('\\.(true|truthy)\\(', (o) => truthCase((g) => `${a}.true(${g});`, o)),
        ],
      };
    case 'uvu':
      return {
        methods: [
          m('\\.is\\(', (o) => sumCase((g, w) => `${a}.is(${g}, ${w});`, o)),
          m('\\.equal\\(', (o) => deepCase((g, w) => `${a}.equal(${g}, ${w});`, o)),
          m('\\.ok\\(', (o) => truthCase((g) => `${a}.ok(${g});`, o)),
        ],
      };
  }
}

/** The methods of `d` the file uses (the first one when none shows). */
function used(d: Dialect, src: string): Dialect['methods'] {
  const u = d.methods.filter((x) => x.re.test(src));
  return u.length ? u : [d.methods[0]];
}

// A binding imported or required from `mod` (default, namespace or named `name`).
function binding(src: string, mod: string, name?: string): string | undefined {
  const q = `['"]${mod}['"]`;
  if (name) {
    const re = new RegExp(
      `(?:import\\s*\\{([^}]*)\\}\\s*from\\s*${q}|(?:const|let|var)\\s*\\{([^}]*)\\}\\s*=\\s*require\\(\\s*${q}\\s*\\))`,
    );
    const m = re.exec(src);
    for (const part of (m?.[1] ?? m?.[2] ?? '').split(',')) {
      const [orig, alias] = part.trim().split(/\s+as\s+|\s*:\s*/);
      if (orig?.trim() === name) return (alias ?? orig).trim();
    }
    return undefined;
  }
  return (
    new RegExp(`import\\s+(?:\\*\\s+as\\s+)?(\\w+)\\s+from\\s*${q}`).exec(src)?.[1] ??
    new RegExp(`(?:const|let|var)\\s+(\\w+)\\s*=\\s*require\\(\\s*${q}\\s*\\)`).exec(src)?.[1]
  );
}

const isEsm = (src: string, path: string) =>
  /\.(mjs|ts|mts|tsx)$/.test(path) || /^\s*import\s/m.test(src);
const imp = (esm: boolean, what: string, mod: string, named: boolean) =>
  esm
    ? `import ${named ? `{ ${what} }` : what} from '${mod}';\n`
    : `const ${named ? `{ ${what.replace(/ as /g, ': ')} }` : what} = require('${mod}');\n`;

interface Plan {
  header: string;
  /** Source of one group of canary cases; ids of its cases. */
  group(cases: { name: string; body: string }[]): { text: string; ids: string[] };
}

// How a runner's file declares tests, with the bindings it has (or headers that add them).
function plan(runner: RunnerName, src: string, file: string): { plan: Plan; d: Dialect } | null {
  // vitest files are modules whatever they look like (vitest cannot be required).
  const esm = runner === 'vitest' || isEsm(src, file);
  let header = '';
  const need = (mod: string, name: string, named = true): string => {
    const b = named ? binding(src, mod, name) : binding(src, mod);
    if (b) return b;
    const alias = `${fresh()}${name.replace(/\W/g, '')}`;
    header += imp(esm, named ? `${name} as ${alias}` : alias, mod, named);
    return alias;
  };
  const suiteName = () => `${word()} ${fresh().slice(3)}`;
  // describe/it families: mocha (globals), jest (globals or @jest/globals), vitest (imports).
  const bdd = (describe: string, it: string, d: Dialect) => ({
    d,
    plan: {
      get header() {
        return header;
      },
      group(cases: { name: string; body: string }[]) {
        const s = suiteName();
        const its = cases.map(
          (c) => `  ${it}(${JSON.stringify(c.name)}, () => {\n    ${c.body}\n  });`,
        );
        return {
          text: `${describe}(${JSON.stringify(s)}, () => {\n${its.join('\n')}\n});`,
          ids: cases.map((c) => `${file} > ${s} > ${c.name}`),
        };
      },
    },
  });
  const assertDialect = (): Dialect => {
    const chai = binding(src, 'chai', 'expect');
    if (chai) return dialect('chai', chai);
    // node:assert (or chai's assert, same method names): the node canary's bodies.
    const s = detectStyle(src, file);
    const a =
      binding(src, 'chai', 'assert') ??
      (s.header.includes('node:assert') ? need('node:assert/strict', 'strict') : s.assert);
    // Promise assertions (rejects) need async bodies: left to the other methods.
    const own = s.methods.filter((k) => k !== 'rejects');
    const ms = s.header.includes('node:assert') || own.length === 0 ? ['equal'] : own;
    return {
      methods: ms.map((k) => ({
        re: /./,
        fail: () => failing(a, k).body,
        pass: () => passing(a, k),
      })),
    };
  };
  switch (runner) {
    case 'mocha': {
      return bdd('describe', 'it', assertDialect());
    }
    case 'jest':
    case 'vitest': {
      const mod = runner === 'jest' ? '@jest/globals' : 'vitest';
      const imported = binding(src, mod, 'expect') || runner === 'vitest';
      const get = (n: string) => (imported ? need(mod, n) : n);
      const e = get('expect');
      return bdd(get('describe'), get('it'), dialect('expect', e));
    }
    case 'tape':
    case 'ava': {
      const test = need(runner, 'test', false);
      const end = runner === 'tape' ? ' t.end();' : '';
      return {
        d: dialect(runner === 'tape' ? 't' : 'ava', 't'),
        plan: {
          get header() {
            return header;
          },
          group(cases) {
            return {
              text: cases
                .map((c) => `${test}(${JSON.stringify(c.name)}, (t) => {\n  ${c.body}${end}\n});`)
                .join('\n'),
              ids: cases.map((c) => `${file} > ${c.name}`),
            };
          },
        },
      };
    }
    case 'tap': {
      const t = binding(src, 'tap') ?? need('tap', 'test');
      const call = binding(src, 'tap') ? `${t}.test` : t;
      return {
        d: dialect('t', 't'),
        plan: {
          get header() {
            return header;
          },
          group(cases) {
            return {
              text: cases
                .map((c) => `${call}(${JSON.stringify(c.name)}, async (t) => {\n  ${c.body}\n});`)
                .join('\n'),
              ids: cases.map((c) => `${file} > ${c.name}`),
            };
          },
        },
      };
    }
    case 'uvu': {
      if (!esm) return null;
      const suite = need('uvu', 'suite');
      let a = binding(src, 'uvu/assert');
      if (!a) {
        a = `${fresh()}a`;
        header += `import * as ${a} from 'uvu/assert';\n`;
      }
      const d = dialect('uvu', a);
      return {
        d,
        plan: {
          get header() {
            return header;
          },
          group(cases) {
            const s = suiteName();
            const v = fresh();
            const its = cases.map(
              (c) => `${v}(${JSON.stringify(c.name)}, () => {\n  ${c.body}\n});`,
            );
            return {
              text: `const ${v} = ${suite}(${JSON.stringify(s)});\n${its.join('\n')}\n${v}.run();`,
              ids: cases.map((c) => `${file} > ${s} > ${c.name}`),
            };
          },
        },
      };
    }
    default:
      return null;
  }
}

const NAMES = [
  (a: number, b: number) => `returns ${a + b} for (${a}, ${b})`,
  (a: number, b: number) => `maps (${a}, ${b}) to ${a * b}`,
  (a: number) => `handles ${a} entries`,
  (a: number, b: number) => `gives ${b} for ${a}`,
];

/**
 * Canaries in `targets` for `runner`; files whose style has no canary form (CommonJS uvu)
 * are left as they are. Undefined when none got any.
 */
export function addRunnerCanaries(
  runner: RunnerName,
  testFiles: Record<string, string>,
  targets: string[],
): Canaries | undefined {
  const out: Canaries = { files: { ...testFiles }, mustFail: [], mustPass: [], byFile: {} };
  for (const file of targets) {
    const src = testFiles[file];
    if (src === undefined) continue;
    const p = plan(runner, src, file);
    if (!p) continue;
    const names = new Set<string>();
    const name = () => {
      for (;;) {
        const n = NAMES[randomInt(NAMES.length)](r(1, 40), r(1, 40));
        if (!names.has(n) && !src.includes(n)) {
          names.add(n);
          return n;
        }
      }
    };
    const ms = used(p.d, src);
    const fails = p.plan.group(ms.map((x) => ({ name: name(), body: x.fail() })));
    const passes = p.plan.group([{ name: name(), body: ms[0].pass() }]);
    out.mustFail.push(...fails.ids);
    out.mustPass.push(...passes.ids);
    out.byFile[file] = [...fails.ids, ...passes.ids];
    // Must-fail among the file's top-level blocks, at a random place; must-pass last.
    const lines = src.replace(/\s*$/, '').split('\n');
    const starts = lines
      .map((l, i) => (/^(describe|suite|test|it|\w+\.test)\s*\(/.test(l) ? i : -1))
      .filter((i) => i >= 0);
    const at =
      runner === 'uvu' || starts.length === 0 ? lines.length : starts[randomInt(starts.length)];
    lines.splice(at, 0, `${fails.text}\n`);
    out.files[file] = `${p.plan.header}${lines.join('\n')}\n\n${passes.text}\n`;
  }
  return out.mustFail.length ? out : undefined;
}

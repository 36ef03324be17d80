// The procedural repository generator: seeded, deterministic small JS/TS projects with
// cross-module helper chains and node:test suites whose expectations come from running
// the clean code.

import { Rng } from '../rng.js';
import type { RepoSnapshot } from '../types.js';
import { classCases, fnCases, loadPlan, scenarioKey } from './evaluate.js';
import { type ModulePlan, planModules } from './layout.js';
import { renderImports, renderSpec } from './render.js';
import { type ModuleCases, renderTestFile } from './testgen.js';
import { DEFAULT_SYNTH_OPTIONS, type SynthOptions } from './types.js';
import { literal } from './values.js';
import { SYNTH_VERSION } from './version.js';

export { DEFAULT_SYNTH_OPTIONS, type SynthOptions } from './types.js';

// The version lives in its own module (read by `tasks gen` without loading the generator).
export { SYNTH_VERSION } from './version.js';

/** Generates the repository for a seed (same seed and options -> same bytes). */
export function generateRepo(seed: number, options: Partial<SynthOptions> = {}): RepoSnapshot {
  const opts = checkOptions({ ...DEFAULT_SYNTH_OPTIONS, ...options });
  const rng = new Rng(seed);
  const ts = opts.language === 'auto' ? rng.fork('language').chance(0.5) : opts.language === 'ts';
  const plans = planModules(rng.fork('layout'), opts, ts);
  // One code style per repo, as in real projects: function declarations or const arrows.
  const arrow = rng.fork('style').chance(0.25);
  const files: Record<string, string> = {};
  const fileOf = new Map<string, string>();
  for (const p of plans) for (const s of p.specs) fileOf.set(s.name, p.path);
  for (const p of plans) files[p.path] = renderModule(p, fileOf, ts, arrow);

  const impl = loadPlan(plans, arrow);
  const caseRng = rng.fork('cases');
  // A stream of its own: turning hidden cases on leaves the visible tests byte-identical.
  const hiddenRng = rng.fork('hidden-cases');
  const testFiles: string[] = [];
  const hiddenFiles: string[] = [];
  const casesOf = (p: ModulePlan, r: Rng, n: number, shown?: ModuleCases): ModuleCases => {
    const m: ModuleCases = { modulePath: p.path, fns: [], classes: [] };
    for (const s of p.specs) {
      if (s.kind === 'fn') {
        const seen = shown?.fns.find((x) => x.spec === s);
        const exclude = seen && new Set(seen.cases.map((c) => literal(c.args)));
        const cases = fnCases(s, impl, r, n, exclude);
        if (cases.length > 0 || !shown) m.fns.push({ spec: s, cases });
      } else {
        const seen = shown?.classes.find((x) => x.spec === s);
        const exclude =
          seen &&
          new Set(
            seen.cases.map((c) => scenarioKey({ ctor: c.ctor, steps: c.steps.map((d) => d.step) })),
          );
        const cases = classCases(s, impl, r, Math.max(2, n - 1), exclude);
        if (cases.length > 0 || !shown) m.classes.push({ spec: s, cases });
      }
    }
    return m;
  };
  for (const p of plans.filter((x) => x.layer === opts.depth)) {
    const testPath = p.path.replace(/^src\//, 'test/').replace(/\.(ts|js)$/, `.test.$1`);
    const shown = casesOf(p, caseRng, opts.testsPerFunction);
    files[testPath] = renderTestFile(testPath, shown, caseRng);
    testFiles.push(testPath);
    if (opts.hiddenCases > 0) {
      // Inputs the visible file does not use (edge cases included), so a fix that
      // special-cases what the agent can see fails here.
      const hidden = casesOf(p, hiddenRng, opts.hiddenCases, shown);
      if (hidden.fns.length + hidden.classes.length === 0) continue;
      const hiddenPath = testPath.replace(/\.test\.(ts|js)$/, '.hidden.test.$1');
      files[hiddenPath] = renderTestFile(hiddenPath, hidden, hiddenRng);
      hiddenFiles.push(hiddenPath);
    }
  }
  const name = `${rng.fork('name').pick(['acme', 'tidy', 'nimble', 'plain', 'handy', 'little', 'brisk'])}-${rng.fork('name2').pick(['kit', 'utils', 'toolbox', 'core', 'lib', 'helpers'])}`;
  // The package's own script runs the visible tests: the agent's `npm test` works.
  files['package.json'] = packageJson(name, ts, testFiles);
  if (ts) files['tsconfig.json'] = TSCONFIG;
  files['README.md'] = readme(name, plans, opts.depth);
  return {
    repoId: `synth:${SYNTH_VERSION}:${seed}`,
    language: ts ? 'ts' : 'js',
    files: sortKeys(files),
    testFiles: [...testFiles, ...hiddenFiles],
    testCmd: testCommand(ts, [...testFiles, ...hiddenFiles]),
  };
}

function renderModule(
  p: ModulePlan,
  fileOf: Map<string, string>,
  ts: boolean,
  arrow: boolean,
): string {
  const calls = p.specs.flatMap((s) => s.calls);
  const imports = renderImports(p.path, calls, fileOf);
  const body = p.specs.map((s) => renderSpec(s, ts, true, arrow)).join('\n\n');
  return `${imports}${imports ? '\n' : ''}${body}\n`;
}

/** The command that runs a generated repo's tests, offline (TS repos need tsx on the path). */
function testCommand(ts: boolean, testFiles: string[]): string {
  return `node ${ts ? '--import tsx ' : ''}--test ${testFiles.join(' ')}`;
}

function packageJson(name: string, ts: boolean, testFiles: string[]): string {
  const pkg = {
    name,
    version: '1.0.0',
    private: true,
    type: 'module',
    scripts: { test: testCommand(ts, testFiles) },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

const TSCONFIG = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
    },
    include: ['src', 'test'],
  },
  null,
  2,
)}\n`;

function readme(name: string, plans: ModulePlan[], depth: number): string {
  const lines = [`# ${name}`, '', 'Small utility modules.', ''];
  for (const p of plans.filter((x) => x.layer === depth))
    lines.push(`- \`${p.path}\`: ${p.specs.map((s) => s.name).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

function sortKeys(files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function checkOptions(o: SynthOptions): SynthOptions {
  const ints: [keyof SynthOptions, number, number][] = [
    ['modules', 1, 20],
    ['functionsPerModule', 1, 30],
    ['depth', 0, 6],
    ['testsPerFunction', 1, 20],
    ['hiddenCases', 0, 20],
  ];
  for (const [k, lo, hi] of ints) {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi)
      throw new Error(
        `generateRepo: option ${k} must be an integer in [${lo}, ${hi}], got ${String(v)}`,
      );
  }
  if (!(o.helperRate >= 0 && o.helperRate <= 1))
    throw new Error(`generateRepo: option helperRate must be in [0, 1], got ${o.helperRate}`);
  if (!['ts', 'js', 'auto'].includes(o.language))
    throw new Error(
      `generateRepo: option language must be ts, js or auto, got ${String(o.language)}`,
    );
  return o;
}

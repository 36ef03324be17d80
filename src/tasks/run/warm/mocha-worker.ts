// A long-lived mocha process (forked with the working copy as cwd, IPC for requests): loads
// the repository's mocha, options (.mocharc, package.json, the script's arguments) and test
// files once, then runs them again and again with one schema mutant switched on, only the
// tests that cover it, and per-test coverage on request. A `fresh` run reloads every module
// of the working copy first (the mutant already active while modules load), which is what a
// new process would see; it also clears state a mutant left behind.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';

interface Req {
  mutant: number;
  /** Full titles to run (mocha's grep, anchored); null = all. */
  only: string[] | null;
  coverage: boolean;
  fresh: boolean;
  /** Stop at the first failing test (mocha's bail, on every suite of the loaded tree). */
  bail?: boolean;
}

export interface WorkerResult {
  tests: Record<string, 'pass' | 'fail' | 'skip'>;
  failures: Record<string, string>;
  /** id -> mocha full title (to select tests later). */
  titles: Record<string, string>;
  coverage?: [string, number[]][];
  globalProbes?: number[];
  loadError?: string;
}

interface MochaTest {
  title: string;
  file?: string;
  parent?: MochaTest;
  titlePath(): string[];
  fullTitle(): string;
  ctx?: { currentTest?: MochaTest };
  type?: string;
}
interface MochaRunner {
  on(ev: string, fn: (t: MochaTest, err?: Error) => void): void;
}
interface MochaSuite {
  _bail: boolean;
  suites: MochaSuite[];
}
interface MochaInstance {
  suite: MochaSuite;
  files: string[];
  loadFiles(): void;
  unloadFiles(): void;
  cleanReferencesAfterRun(v: boolean): void;
  grep(re: RegExp): void;
  run(fn: (failures: number) => void): MochaRunner;
  dispose(): void;
}

const cwd = process.cwd();
const req = createRequire(join(cwd, 'noop.js'));
const g = globalThis as unknown as { __ls_m: number; __ls_cov: (k: number) => void };
g.__ls_m = 0;
let current: Set<number> | null = null;
let global = new Set<number>();
let recording = false;
g.__ls_cov = (k) => {
  if (!recording) return;
  (current ?? global).add(k);
};

const args = JSON.parse(process.env.LOOPSMITH_MOCHA_ARGS ?? '[]') as string[];
type MochaCtor = new (o: object) => MochaInstance;
// mocha 12 is an ES module (loaded through require(esm)): its class is a named export.
const mochaModule = req('mocha') as { Mocha?: MochaCtor; default?: MochaCtor };
const Mocha: MochaCtor =
  typeof mochaModule === 'function'
    ? (mochaModule as unknown as MochaCtor)
    : ((mochaModule.Mocha ?? mochaModule.default) as MochaCtor);
// mocha's CLI internals (options from .mocharc / package.json / argv, spec globbing) are not
// in its exports map: load them by path, .js (mocha <= 11) or .cjs (12).
const mochaDir = dirname(req.resolve('mocha'));
const internal = (name: string): unknown => {
  const base = join(mochaDir, 'lib', 'cli', name);
  return req(existsSync(`${base}.cjs`) ? `${base}.cjs` : `${base}.js`);
};
const { loadOptions } = internal('options') as {
  loadOptions(a: string[]): Record<string, unknown>;
};
const collect = internal('collect-files') as (o: object) => string[] | { files: string[] };
const opts = loadOptions(args);
let mocha: MochaInstance | null = null;

function testFiles(): string[] {
  const spec = (opts.spec as string[] | undefined) ?? ['./test'];
  const r = collect({
    ignore: opts.ignore ?? [],
    extension: opts.extension ?? ['js', 'cjs', 'mjs'],
    file: opts.file ?? [],
    recursive: opts.recursive ?? false,
    sort: opts.sort ?? false,
    spec,
  });
  return Array.isArray(r) ? r : r.files;
}

function load(): void {
  if (mocha) {
    mocha.unloadFiles();
    mocha.dispose();
  }
  // Every module of the working copy (not node_modules): a fresh start, like a new process.
  for (const k of Object.keys(req.cache))
    if (k.startsWith(cwd + sep) && !k.includes(`${sep}node_modules${sep}`)) delete req.cache[k];
  for (const r of (opts.require as string[] | undefined) ?? [])
    req(r.startsWith('.') ? resolve(cwd, r) : r);
  const m = new Mocha({ ...opts, reporter: class {}, parallel: false, watch: false });
  m.files = testFiles().map((f) => resolve(cwd, f));
  m.cleanReferencesAfterRun(false);
  m.loadFiles();
  mocha = m;
}

function idOf(t: MochaTest): string {
  let file = t.file;
  for (let p = t.parent; !file && p; p = p.parent) file = p.file;
  const rel = (file ?? '<unknown>').startsWith(cwd + sep)
    ? (file as string).slice(cwd.length + 1)
    : file;
  return [rel, ...t.titlePath().filter((x) => x !== '')].join(' > ');
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function run(r: Req): Promise<WorkerResult> {
  const out: WorkerResult = { tests: {}, failures: {}, titles: {} };
  g.__ls_m = r.mutant;
  const cov = new Map<string, Set<number>>();
  global = new Set();
  recording = r.coverage;
  try {
    if (r.fresh || !mocha) load();
  } catch (e) {
    out.loadError = String((e as Error)?.stack ?? e).split('\n')[0];
    g.__ls_m = 0;
    mocha = null;
    return out;
  }
  const m = mocha as MochaInstance;
  // Suites copy their parent's bail when created: set it on every one, for this run.
  const setBail = (s: MochaSuite) => {
    s._bail = r.bail === true;
    for (const c of s.suites) setBail(c);
  };
  setBail(m.suite);
  m.grep(r.only ? new RegExp(`^(?:${r.only.map(esc).join('|')})$`) : /.*/);
  await new Promise<void>((done) => {
    const runner = m.run(() => done());
    // The set probes go to: the running test's (its body and its each-hooks), else global.
    let testSet: Set<number> | null = null;
    runner.on('test', (t) => {
      // Titles are learnt once, from the reference run (the only one asked for coverage):
      // sending 256 of them back after every run was IPC for nothing.
      if (r.coverage) {
        const id = idOf(t);
        out.titles[id] = t.fullTitle();
        testSet = new Set();
        cov.set(id, testSet);
        current = testSet;
      }
    });
    runner.on('test end', () => {
      testSet = null;
      current = null;
    });
    runner.on('hook', (h) => {
      const t = h.ctx?.currentTest;
      current = t && /each/.test(h.title) ? (cov.get(idOf(t)) ?? null) : null;
    });
    runner.on('hook end', () => {
      current = testSet;
    });
    runner.on('pass', (t) => {
      out.tests[idOf(t)] = 'pass';
    });
    runner.on('pending', (t) => {
      out.tests[idOf(t)] = 'skip';
      if (r.coverage) out.titles[idOf(t)] = t.fullTitle();
    });
    runner.on('fail', (t, err) => {
      if (t.type === 'hook') return;
      const id = idOf(t);
      out.tests[id] = 'fail';
      out.failures[id] = String(err?.message ?? err).slice(0, 2000);
    });
  });
  recording = false;
  current = null;
  g.__ls_m = 0;
  if (r.coverage) {
    out.coverage = [...cov].map(([id, s]) => [id, [...s]]);
    out.globalProbes = [...global];
  }
  return out;
}

process.on('message', (msg: Req) => {
  run(msg).then(
    (res) => process.send?.(res),
    (e) => process.send?.({ tests: {}, failures: {}, titles: {}, loadError: String(e) }),
  );
});
process.send?.({ ready: true });

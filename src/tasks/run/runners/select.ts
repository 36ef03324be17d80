// Test-file selection for the spawning path: which test files can reach a source file (the
// static import graph: relative `require`/`import` specifiers and the package's own name,
// followed transitively), and the runner's command narrowed to those files. A test file
// whose imports cannot be followed (a computed `require(x)`, a child process that may start
// the package's own binary) reaches everything. Runs of per-file processes (node --test,
// tap, ava) then start one process per selected file instead of one per test file.
import { dirname, join, normalize } from 'node:path';
import type { RunnerName } from './index.js';
import { isBin, sh, words } from './script.js';

const SPEC = /(?:\brequire\s*\(\s*|\bimport\s*\(\s*|\bfrom\s+|\bimport\s+)(['"`])([^'"`$]*)\1/g;
/** `require(x)` / `import(x)` with a computed argument: cannot be followed. */
const DYNAMIC = /\b(?:require|import)\s*\(\s*[^\s'"`)]/;
const EXTS = ['', '.js', '.cjs', '.mjs', '.ts', '.mts', '.cts', '.jsx', '.tsx', '.json'];

/** The repo file a relative specifier names (node's and bundlers' extension probing). */
function resolveLocal(files: Record<string, string>, from: string, spec: string): string | null {
  const base = normalize(join(dirname(from), spec))
    .replace(/\\/g, '/')
    .replace(/\/$/, '');
  // The package root (`require('..')` from test/): its package.json main.
  if (base === '.') {
    let main = 'index.js';
    try {
      main = (JSON.parse(files['package.json'] ?? '{}') as { main?: string }).main ?? main;
    } catch {
      // index.js
    }
    return main === '.' || main === './' ? null : resolveLocal(files, 'package.json', `./${main}`);
  }
  for (const e of EXTS) if (`${base}${e}` in files) return `${base}${e}`;
  // TypeScript sources imported as .js.
  const ts = base.replace(/\.([cm]?)js$/, '.$1ts');
  if (ts !== base && ts in files) return ts;
  for (const e of EXTS.slice(1)) if (`${base}/index${e}` in files) return `${base}/index${e}`;
  return null;
}

/** Local files each file imports, or 'any' when its imports cannot be followed statically. */
function importsOf(
  files: Record<string, string>,
  path: string,
  self: { name: string; main: string | null },
): Set<string> | 'any' {
  const out = new Set<string>();
  const text = files[path];
  if (/\bchild_process\b|\bexeca\b|\bspawn\s*\(|\bexecFile\s*\(/.test(text)) return 'any';
  if (DYNAMIC.test(text)) return 'any';
  for (const m of text.matchAll(SPEC)) {
    const spec = m[2];
    if (spec === self.name || spec.startsWith(`${self.name}/`)) {
      const sub = spec.slice(self.name.length + 1);
      const target = sub ? resolveLocal(files, 'package.json', `./${sub}`) : self.main;
      if (target) out.add(target);
      else return 'any';
    } else if (spec.startsWith('.')) {
      const target = resolveLocal(files, path, spec);
      if (target) out.add(target);
    }
  }
  return out;
}

/**
 * Source file -> the test files that (transitively) import it, or null for a source no test
 * selection applies to (some test file reaches everything). `select(file)` is that lookup.
 */
export function relatedTests(
  files: Record<string, string>,
  testFiles: string[],
): (file: string) => Set<string> | null {
  let pkg: { name?: string; main?: string; exports?: unknown } = {};
  try {
    pkg = JSON.parse(files['package.json'] ?? '{}');
  } catch {
    // no package name to resolve
  }
  const main =
    resolveLocal(files, 'package.json', `./${(pkg.main ?? 'index.js').replace(/^\.\//, '')}`) ??
    null;
  const self = { name: pkg.name ?? '\0', main };
  const cache = new Map<string, Set<string> | 'any'>();
  const imports = (p: string) => {
    let v = cache.get(p);
    if (v === undefined) {
      v = p in files ? importsOf(files, p, self) : new Set();
      cache.set(p, v);
    }
    return v;
  };
  const reach = new Map<string, Set<string>>();
  let anyTest = false;
  for (const t of testFiles) {
    const seen = new Set<string>([t]);
    const todo = [t];
    while (todo.length > 0) {
      const deps = imports(todo.pop() as string);
      if (deps === 'any') {
        anyTest = true;
        break;
      }
      for (const d of deps)
        if (!seen.has(d)) {
          seen.add(d);
          todo.push(d);
        }
    }
    for (const f of seen) reach.set(f, (reach.get(f) ?? new Set()).add(t));
  }
  return (file) => (anyTest ? null : (reach.get(file) ?? new Set()));
}

/** Flags of the runners that take a separate value (which is never a test spec to drop). */
const VALUE_FLAGS = new Set(
  (
    '-r --require --import --loader --experimental-loader --file --ignore -i --extension ' +
    '--config -c --package --ui -u --timeout -t -T --slow -s --grep -g --fgrep -f ' +
    '--node-arg --node-arguments --before --after --match -m --concurrency --cwd -C --root ' +
    '--dir --project --environment --pool --testNamePattern --test-name-pattern --setupFiles ' +
    '--setupFilesAfterEnv --rootDir --roots --testPathIgnorePatterns --test-reporter ' +
    '--test-reporter-destination --reporter -R -O --reporter-option --reporter-options --spec'
  ).split(' '),
);

const quoteRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The runner's command narrowed to `selected` test files: the spec words of the script
 * (paths, directories and globs of test files) replaced by the files. Null when the command
 * does not show where its runner starts.
 */
export function narrowCommand(
  runner: RunnerName,
  cmd: string,
  selected: string[],
  files: Record<string, string>,
): string | null {
  const ws = words(cmd);
  const at =
    runner === 'node:test'
      ? ws.indexOf('--test')
      : ws.findIndex((w) => isBin(w, runner === 'mocha' ? 'mocha' : runner));
  if (at < 0) return null;
  const paths = Object.keys(files);
  const isSpec = (w: string) => {
    const p = w.replace(/^["']|["']$/g, '').replace(/^\.\//, '');
    if (p.startsWith('-')) return false;
    if (/[*?{]/.test(p)) return true;
    const dir = p.replace(/\/$/, '');
    return p in files || paths.some((f) => f.startsWith(`${dir}/`));
  };
  // A flag's value is kept (`--require test/setup.js`).
  const kept = ws.filter((w, i) => i <= at || !isSpec(w) || VALUE_FLAGS.has(ws[i - 1]));
  if (runner === 'uvu') {
    const pattern = `^(?:${selected.map(quoteRe).join('|')})$`;
    return [...kept, '.', sh(pattern)].join(' ');
  }
  return [...kept, ...selected.map(sh)].join(' ');
}

/** The test file of a stable test id (`file > suite > name`). */
export const fileOf = (id: string): string => id.slice(0, id.indexOf(' > '));

/** Reference test ids in the files that reach `file` (null: selection off or unknown). */
export function coveringIds(
  related: ((file: string) => Set<string> | null) | null,
  refIds: readonly string[],
  file: string,
): Set<string> | null {
  const tests = related?.(file) ?? null;
  if (tests === null) return null;
  return new Set(refIds.filter((id) => tests.has(fileOf(id))));
}

/** Runs jobs one at a time in call order (a suite's working tree holds one candidate at once). */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(job: () => Promise<T>): Promise<T> {
    const next = this.tail.then(job);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

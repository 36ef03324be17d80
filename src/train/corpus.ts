// The pretraining corpus, made offline from what is on this machine: clean repositories of
// the task factory's generator (many seeds, every template, JS and TS) and real JS/TS found
// locally (installed packages' sources under node_modules), deduplicated, with minified and
// generated files dropped, split into train and held-out documents by content hash.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { isHiddenTestFile } from '../tasks/run/describe.js';
import { generateRepo } from '../tasks/synth/index.js';

/** One document of the corpus. */
export interface Doc {
  /** Where it came from: `synth:<repoId>:<path>` or `local:<path>`. */
  source: string;
  text: string;
}

export interface CorpusSpec {
  /** Seeds of generated repositories (each a whole small repo). */
  synthSeeds: number[];
  /** Folders searched for real JS/TS (e.g. node_modules). @default [] */
  localRoots: string[];
  /** Stop reading local code past this many bytes. @default 4 MiB */
  localMaxBytes: number;
  /** Repository ids that must never appear (the eval split's). @default [] */
  excludeRepos: string[];
  /** Share of documents held out (by content hash). @default 0.02 */
  heldoutFraction: number;
}

export const CORPUS_DEFAULTS: Omit<CorpusSpec, 'synthSeeds'> = {
  localRoots: [],
  localMaxBytes: 4 * 1024 * 1024,
  excludeRepos: [],
  heldoutFraction: 0.02,
};

export interface Corpus {
  train: Doc[];
  heldout: Doc[];
  /** Counts for the manifest. */
  info: {
    synth_repos: number;
    synth_docs: number;
    local_docs: number;
    local_bytes: number;
    dropped_minified: number;
    dropped_duplicate: number;
    excluded_repos: number;
  };
}

const CODE_EXT = new Set(['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts']);

/** True for files that teach little: bundles, minified or generated code. */
export function looksGenerated(path: string, text: string): boolean {
  if (/\.min\.[cm]?js$|\.bundle\.|[-.]umd\.|\.map$/.test(path)) return true;
  if (/^\s*\/\/ Code generated|@generated|DO NOT EDIT/m.test(text.slice(0, 500))) return true;
  const lines = text.split('\n');
  const long = lines.filter((l) => l.length > 400).length;
  return text.length / Math.max(1, lines.length) > 120 || long > 2;
}

const h = (s: string) => createHash('sha256').update(s).digest();

/** Builds the corpus: deterministic for the same spec and the same files on disk. */
export function buildCorpus(spec: CorpusSpec): Corpus {
  const excl = new Set(spec.excludeRepos);
  const seen = new Set<string>();
  const docs: Doc[] = [];
  const info: Corpus['info'] = {
    synth_repos: 0,
    synth_docs: 0,
    local_docs: 0,
    local_bytes: 0,
    dropped_minified: 0,
    dropped_duplicate: 0,
    excluded_repos: 0,
  };
  const add = (source: string, text: string): boolean => {
    const key = h(text).toString('hex');
    if (seen.has(key)) {
      info.dropped_duplicate++;
      return false;
    }
    seen.add(key);
    docs.push({ source, text });
    return true;
  };
  for (const seed of spec.synthSeeds) {
    const repo = generateRepo(seed);
    if (excl.has(repo.repoId)) {
      info.excluded_repos++;
      continue;
    }
    info.synth_repos++;
    // One document per repo, files in a fixed order with their paths: the model sees how
    // modules, their tests and package.json belong together, as it will in a workspace.
    // Hidden fresh-input test files stay out: grading uses them on this repo's tasks.
    const text = Object.entries(repo.files)
      .filter(([p]) => !isHiddenTestFile(p))
      .map(([p, body]) => `// file: ${p}\n${body}`)
      .join('\n');
    if (add(`synth:${repo.repoId}`, text)) info.synth_docs++;
  }
  for (const root of spec.localRoots) {
    walk(root, (p) => {
      if (info.local_bytes >= spec.localMaxBytes) return false;
      let text: string;
      try {
        text = readFileSync(p, 'utf8');
      } catch {
        return true;
      }
      if (looksGenerated(p, text)) {
        info.dropped_minified++;
        return true;
      }
      if (add(`local:${p}`, text)) {
        info.local_docs++;
        info.local_bytes += text.length;
      }
      return true;
    });
  }
  const cut = Math.round(spec.heldoutFraction * 10_000);
  const train: Doc[] = [];
  const heldout: Doc[] = [];
  for (const d of docs) (h(d.text).readUInt32BE(0) % 10_000 < cut ? heldout : train).push(d);
  // A corpus with a single document still needs something to measure held-out loss on.
  if (heldout.length === 0 && train.length > 1) heldout.push(train.pop() as Doc);
  return { train, heldout, info };
}

/** Sorted walk of code files (no symlinks, skipping tests' fixtures of other languages). */
function walk(root: string, visit: (path: string) => boolean): void {
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    let names: string[];
    try {
      names = readdirSync(dir).sort().reverse();
    } catch {
      continue;
    }
    for (const name of names) {
      const p = join(dir, name);
      let st: ReturnType<typeof lstatSync>;
      try {
        st = lstatSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        if (name !== '.git' && name !== '.cache') stack.push(p);
      } else if (
        st.isFile() &&
        CODE_EXT.has(extname(name)) &&
        !name.endsWith('.d.ts') &&
        st.size >= 200 &&
        st.size <= 64 * 1024
      ) {
        if (!visit(p)) return;
      }
    }
  }
}

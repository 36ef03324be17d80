// A real repository on disk as a task source: its text files become a RepoSnapshot, its
// own test command (default `npm test`) is what validates mutants (the slow, spawn path).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import ignore from 'ignore';
import { UserError } from '../errors.js';
import type { RepoSnapshot } from '../types.js';

export interface LocalRepoOptions {
  /** Command that runs the tests, from the repo root. @default "npm test" */
  testCmd?: string;
  /** Files larger than this are left out of the snapshot. @default 256 KiB */
  maxFileBytes?: number;
}

const TEXT = /\.(m?[jt]sx?|c[jt]s|json|md|txt|ya?ml|html|css)$/;
const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', 'build', 'coverage', '.loopsmith']);

/** True for paths that look like test files under the usual JS conventions. */
export function isTestPath(path: string): boolean {
  return (
    /\.(test|spec)\.[cm]?[jt]sx?$/.test(path) ||
    /(^|\/)(test|tests|__tests__)\/.*\.[cm]?[jt]sx?$/.test(path)
  );
}

/** Reads a local repository into a snapshot (respects .gitignore; skips node_modules). */
export function loadLocalRepo(dir: string, options: LocalRepoOptions = {}): RepoSnapshot {
  if (!existsSync(dir)) throw new UserError(`${dir}: no such directory`);
  if (!existsSync(join(dir, 'package.json'))) {
    throw new UserError(`${dir} is not an npm-style repository: no package.json`);
  }
  let pkg: { name?: string };
  try {
    pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
  } catch (e) {
    throw new UserError(`${join(dir, 'package.json')} is not valid JSON: ${(e as Error).message}`);
  }
  const maxBytes = options.maxFileBytes ?? 256 * 1024;
  const ig = ignore();
  if (existsSync(join(dir, '.gitignore'))) ig.add(readFileSync(join(dir, '.gitignore'), 'utf8'));
  const files: Record<string, string> = {};
  const walk = (abs: string) => {
    for (const name of readdirSync(abs).sort()) {
      const full = join(abs, name);
      const rel = relative(dir, full).split(sep).join('/');
      const st = statSync(full);
      if (st.isDirectory()) {
        if (SKIP_DIRS.has(name) || ig.ignores(`${rel}/`)) continue;
        walk(full);
      } else if (st.isFile() && TEXT.test(name) && st.size <= maxBytes && !ig.ignores(rel)) {
        files[rel] = readFileSync(full, 'utf8');
      }
    }
  };
  walk(dir);
  const testFiles = Object.keys(files).filter(isTestPath);
  if (testFiles.length === 0)
    throw new UserError(
      `${dir} has no test files (*.test.js, *.spec.js, test/**, tests/**, __tests__/**)`,
    );
  const hash = createHash('sha256');
  for (const [p, c] of Object.entries(files)) hash.update(p).update('\0').update(c).update('\0');
  const language = Object.keys(files).some((p) => /\.tsx?$/.test(p) && !p.endsWith('.d.ts'))
    ? 'ts'
    : 'js';
  return {
    repoId: `local:${pkg.name ?? basename(dir)}@${hash.digest('hex').slice(0, 12)}`,
    language,
    files,
    testFiles,
    testCmd: options.testCmd ?? 'npm test',
  };
}

// The clean grading copy (SWE-bench's model): the agent's workspace is read from the host
// without following any link, compared with what the agent started from, and only its
// changes to non-test, non-configuration files are applied to a fresh copy of the task's
// repository. Caches, planted files, links and edits to tests or runner configuration
// stay behind; the grade lists what was left out and why.
import { constants as C, closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';

/** One difference between the agent's workspace and its starting files. */
export interface AgentChange {
  path: string;
  kind: 'added' | 'modified' | 'deleted' | 'symlink' | 'special' | 'too_large';
  /** New content (added, modified). */
  content?: string;
  /** Content the agent started from (modified, deleted). */
  before?: string;
}

/** Folders never read: dependencies, VCS data, the harness's own files. */
// `.tap`: tap's own run state (process info, coverage, results), written by every tap run.
const SKIP = new Set(['.git', 'node_modules', '.loopsmith', '.loopsmith-grade', '.tap']);
const MAX_FILE_BYTES = 2 << 20;
const MAX_ENTRIES = 50_000;

/** Paths that are tests (the task's test files, and anything that looks like one). */
export function isTestPath(path: string, testFiles: ReadonlySet<string>): boolean {
  return (
    testFiles.has(path) ||
    /(^|\/)(test|tests|__tests__|spec)\//.test(path) ||
    /\.(test|spec)\.[cm]?[jt]sx?$/.test(path)
  );
}

/** Files that configure how tests run (module type, loaders, runner options). */
export function isRunnerConfig(path: string): boolean {
  const base = path.split('/').pop() ?? path;
  return (
    /^(package\.json|\.npmrc|\.nvmrc|\.node-version|\.noderc|\.env(\..*)?)$/.test(base) ||
    /^(tsconfig|jsconfig)(\..*)?\.json$/.test(base) ||
    /^(\.mocharc|jest\.config|vitest\.config|vite\.config|babel\.config|\.babelrc|\.swcrc|ava\.config|\.c8rc|\.nycrc|\.taprc)/.test(
      base,
    )
  );
}

/** Every file of the workspace, read without following links (symlinks reported as such). */
export function readTree(
  root: string,
): Map<string, { kind: 'file' | 'symlink' | 'special' | 'too_large'; content?: string }> {
  const out = new Map<
    string,
    { kind: 'file' | 'symlink' | 'special' | 'too_large'; content?: string }
  >();
  const rootFd = openSync(root, C.O_RDONLY | C.O_DIRECTORY);
  let entries = 0;
  const walk = (fd: number, prefix: string) => {
    for (const e of readdirSync(`/proc/self/fd/${fd}`, { withFileTypes: true })) {
      if (++entries > MAX_ENTRIES)
        throw new Error(`grading: more than ${MAX_ENTRIES} entries in the workspace`);
      const rel = prefix ? `${prefix}/${e.name}` : e.name;
      if (prefix === '' && SKIP.has(e.name)) continue;
      if (e.name === 'node_modules' || e.name === '.git') continue;
      const at = `/proc/self/fd/${fd}/${e.name}`;
      if (e.isSymbolicLink()) {
        out.set(rel, { kind: 'symlink' });
      } else if (e.isDirectory()) {
        let sub: number;
        try {
          sub = openSync(at, C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW);
        } catch {
          out.set(rel, { kind: 'special' });
          continue;
        }
        try {
          walk(sub, rel);
        } finally {
          closeSync(sub);
        }
      } else if (e.isFile()) {
        out.set(rel, readRegular(at));
      } else {
        out.set(rel, { kind: 'special' });
      }
    }
  };
  try {
    walk(rootFd, '');
  } finally {
    closeSync(rootFd);
  }
  return out;
}

function readRegular(at: string): {
  kind: 'file' | 'symlink' | 'special' | 'too_large';
  content?: string;
} {
  let fd: number;
  try {
    fd = openSync(at, C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK);
  } catch {
    return { kind: 'symlink' }; // swapped for a link since the listing
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { kind: 'special' };
    if (st.size > MAX_FILE_BYTES) return { kind: 'too_large' };
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    return { kind: 'file', content: buf.subarray(0, off).toString('utf8') };
  } finally {
    closeSync(fd);
  }
}

/** The agent's changes against the files it started from. */
export function agentChanges(root: string, start: Record<string, string>): AgentChange[] {
  const now = readTree(root);
  const out: AgentChange[] = [];
  for (const [path, f] of now) {
    const before = start[path];
    if (f.kind !== 'file')
      out.push({ path, kind: f.kind, ...(before !== undefined ? { before } : {}) });
    else if (before === undefined) out.push({ path, kind: 'added', content: f.content });
    else if (before !== f.content) out.push({ path, kind: 'modified', content: f.content, before });
  }
  for (const [path, before] of Object.entries(start))
    if (!now.has(path)) out.push({ path, kind: 'deleted', before });
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** An agent change left out of the grading copy, and why. */
export interface Discarded {
  path: string;
  why: 'test_file' | 'runner_config' | 'symlink' | 'special_file' | 'too_large';
}

/** The grading copy: `base` (the task's repository, every test in it) + the agent's applicable changes. */
export function gradingFiles(
  base: Record<string, string>,
  changes: AgentChange[],
  testFiles: ReadonlySet<string>,
): { files: Record<string, string>; applied: string[]; discarded: Discarded[] } {
  const files = { ...base };
  const applied: string[] = [];
  const discarded: Discarded[] = [];
  for (const c of changes) {
    if (c.kind === 'symlink') discarded.push({ path: c.path, why: 'symlink' });
    else if (c.kind === 'special') discarded.push({ path: c.path, why: 'special_file' });
    else if (c.kind === 'too_large') discarded.push({ path: c.path, why: 'too_large' });
    else if (isTestPath(c.path, testFiles)) discarded.push({ path: c.path, why: 'test_file' });
    else if (isRunnerConfig(c.path)) discarded.push({ path: c.path, why: 'runner_config' });
    else {
      if (c.kind === 'deleted') delete files[c.path];
      else files[c.path] = c.content ?? '';
      applied.push(c.path);
    }
  }
  return { files, applied, discarded };
}

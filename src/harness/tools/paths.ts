// The workspace path policy that every file tool enforces itself (ARCHITECTURE invariant 6):
// the OS sandbox guards commands, but file tools run on the host, so they must refuse to
// leave the workspace through absolute paths, `..` or symlinks, and refuse writes into .git.
import { lstat, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ToolError } from '../tool.js';

export interface ResolvedPath {
  /** Real host path (symlinks resolved) inside the workspace. */
  abs: string;
  /** Path relative to the workspace root with `/` separators; "." for the root itself. */
  rel: string;
}

// Linux gives up after 40 links (ELOOP); a cycle of links must not hang the tool either.
const MAX_LINKS = 40;

/** Real path of `p` even when it (or a tail of its components) does not exist yet. */
async function realpathLoose(p: string, hops = 0): Promise<string> {
  if (hops > MAX_LINKS) throw new ToolError(`too many levels of symbolic links at ${p}`);
  try {
    return await realpath(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new ToolError(`too many levels of symbolic links at ${p}`);
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
  }
  // A dangling symlink must be followed by hand: writing through it would create its target.
  const st = await lstat(p).catch(() => null);
  if (st?.isSymbolicLink()) return realpathLoose(resolve(dirname(p), await readlink(p)), hops + 1);
  const parent = dirname(p);
  if (parent === p) return p;
  return join(await realpathLoose(parent, hops), basename(p));
}

function inside(root: string, p: string): string | null {
  const rel = relative(root, p);
  if (rel === '') return '.';
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return null;
  return rel.split(sep).join('/');
}

/**
 * Resolves a model-given path against the workspace root, or throws a ToolError saying why
 * not. Reads may also reach an absolute path inside one of `readRoots` (the session's spill
 * directory, which lives outside the user's repository); `rel` is then the absolute path.
 * `workdir` is where commands see the workspace (e.g. /repo): a path under it means the
 * same file under the root, so paths copied from test output work.
 */
export async function resolvePath(
  root: string,
  input: string,
  mode: 'read' | 'write',
  readRoots: readonly string[] = [],
  workdir?: string,
): Promise<ResolvedPath> {
  if (typeof input !== 'string' || input.trim() === '') throw new ToolError('path is empty');
  if (input.includes('\0')) throw new ToolError('path contains a NUL byte');
  if (workdir && workdir !== root && (input === workdir || input.startsWith(`${workdir}/`)))
    input = input === workdir ? '.' : input.slice(workdir.length + 1) || '.';
  if (mode === 'read' && isAbsolute(input)) {
    for (const extra of readRoots) {
      const realExtra = await realpath(extra).catch(() => null);
      if (realExtra === null || inside(realExtra, resolve(input)) === null) continue;
      const abs = await realpathLoose(resolve(input));
      if (inside(realExtra, abs) !== null) return { abs, rel: abs };
    }
  }
  const realRoot = await realpath(root);
  const lexical = resolve(realRoot, input);
  if (inside(realRoot, lexical) === null) {
    throw new ToolError(
      `${input} is outside the workspace; use a path relative to the repository root`,
    );
  }
  const abs = await realpathLoose(lexical);
  const rel = inside(realRoot, abs);
  if (rel === null)
    throw new ToolError(`${input} resolves through a symlink to outside the workspace; refused`);
  if (mode === 'write' && rel.split('/').includes('.git')) {
    throw new ToolError(`${input} is inside .git; writes there are refused (reading is fine)`);
  }
  return { abs, rel };
}

/** A path as the model should use it: relative inside the workspace, absolute outside it. */
export function shownPath(root: string, path: string): string {
  return inside(root, path) ?? path;
}

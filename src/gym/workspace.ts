// Workspaces for rollouts: the buggy repository as the agent starts from it (hidden tests
// left out), created fast and thrown away after grading. Three ways are kept so the bench
// can compare them; `write` is the default (see bench/gym.bench.ts for the numbers).
import { cp, link, mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { RepoSnapshot, Task } from '../tasks/types.js';
import { applyPatch } from './patch.js';

/**
 * How files reach a workspace. `write`: from memory, one writeFile each. `copy`: a recursive
 * copy of a template directory. `hardlink`: a farm of hard links to a template; unsafe for
 * agents (an in-place write such as `echo >> f` changes the template too), kept for measuring.
 */
export type MaterializeStrategy = 'write' | 'copy' | 'hardlink';

/** A task with the clean repository it was made from. */
export interface GymTask {
  task: Task;
  repo: RepoSnapshot;
  /**
   * Host folder holding the repository's installed dependencies (`<dir>/node_modules`),
   * linked into the agent's workspace and the grading copy: tasks made from a real
   * repository run its own test runner. @default none (generated repos need none)
   */
  deps?: string;
}

/**
 * Links `<deps>/node_modules` (its real path) into `root`, and returns the paths the sandbox
 * must show (read-only) for the link to resolve: a repository under /tmp or a home
 * directory is otherwise hidden inside bwrap.
 */
export async function linkDeps(root: string, deps: string | undefined): Promise<string[]> {
  if (!deps) return [];
  const target = await realpath(join(deps, 'node_modules'));
  await symlink(target, join(root, 'node_modules'), 'dir');
  return [target];
}

/** The files an agent starts from: the clean repo with the bug patch applied, hidden tests removed. */
export function agentFiles(t: GymTask): Record<string, string> {
  const buggy = applyPatch(t.repo.files, t.task.bugPatch);
  const visible = new Set(t.task.visibleTests);
  for (const f of t.repo.testFiles) if (!visible.has(f)) delete buggy[f];
  return buggy;
}

/** Original content of every test file (restored before grading). */
export function testFileContents(t: GymTask): Record<string, string> {
  return Object.fromEntries(t.repo.testFiles.map((f) => [f, t.repo.files[f]]));
}

/** Writes `files` under `dir` (created); paths must be relative and stay inside. */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  const dirs = new Set<string>();
  for (const rel of Object.keys(files)) {
    if (rel.startsWith('/') || rel.split('/').includes('..'))
      throw new Error(`workspace: file path ${JSON.stringify(rel)} leaves the workspace`);
    dirs.add(dirname(join(dir, rel)));
  }
  // Parents first: sorted by length, each mkdir is cheap when the parent exists.
  for (const d of [...dirs].sort((a, b) => a.length - b.length))
    await mkdir(d, { recursive: true });
  await Promise.all(Object.entries(files).map(([rel, text]) => writeFile(join(dir, rel), text)));
}

/** Fills `dir` from `files` (write) or from `template`, a directory already holding them (copy, hardlink). */
export async function materialize(
  dir: string,
  files: Record<string, string>,
  strategy: MaterializeStrategy = 'write',
  template?: string,
): Promise<void> {
  if (strategy === 'write') return writeFiles(dir, files);
  if (!template) throw new Error(`workspace: strategy "${strategy}" needs a template directory`);
  if (strategy === 'copy') return cp(template, dir, { recursive: true });
  if (strategy === 'hardlink') {
    const dirs = new Set(Object.keys(files).map((rel) => dirname(join(dir, rel))));
    for (const d of [...dirs].sort((a, b) => a.length - b.length))
      await mkdir(d, { recursive: true });
    await Promise.all(Object.keys(files).map((rel) => link(join(template, rel), join(dir, rel))));
    return;
  }
  throw new Error(
    `workspace: unknown strategy ${JSON.stringify(strategy)} (write, copy or hardlink)`,
  );
}

/** A fresh temporary workspace (real path) holding `files`, and its disposal. */
export async function createWorkspace(
  files: Record<string, string>,
  options: { parent?: string; prefix?: string } = {},
): Promise<{ root: string; dispose: () => Promise<void> }> {
  const base = await mkdtemp(join(options.parent ?? tmpdir(), options.prefix ?? 'loopsmith-ws-'));
  const root = join(await realpath(base), 'repo');
  await writeFiles(root, files);
  return { root, dispose: () => rm(base, { recursive: true, force: true }) };
}

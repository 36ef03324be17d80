// Eval suites: (a) a task store (SQLite, or the gym's {task, repo} JSONL) filtered by split,
// stage, bug kind and difficulty; (b) a SWE-bench-format JSONL; (c) tasks made on the spot
// from a local repository by the task factory. Every suite is drawn round-robin across
// repositories with a per-repository cap, so that no repository dominates the figures.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadGymTasks, localTestCmd, matches } from '../gym/tasks-source.js';
import type { GymTask } from '../gym/workspace.js';
import { generate } from '../tasks/index.js';
import { loadTaskFiles } from '../tasks/materialize.js';
import { repoDiff } from '../tasks/run/diff.js';
import { loadLocalRepo } from '../tasks/sources/local.js';
import { TaskStore } from '../tasks/store.js';
import { buggyFiles } from '../tasks/validate.js';
import { loadSweSuite } from './swebench.js';

export type SuiteKind = 'store' | 'swebench' | 'local';

/** What to evaluate on. Parsed from CLI flags at the boundary. */
export interface SuiteSpec {
  /** A store (.db/.sqlite), a JSONL (gym tasks or SWE-bench rows) or a repository directory. */
  path: string;
  /** @default 'eval' for stores, none for SWE-bench and local suites */
  split?: 'train' | 'eval';
  stage?: 1 | 2;
  /** Keep tasks with a bug of this kind (e.g. op_change). */
  kind?: string;
  /** Inclusive difficulty range. */
  difficulty?: [number, number];
  /** Extra field / feature equality filters (as `loopsmith rollout --filter`). @default {} */
  filter: Record<string, string>;
  /** At most this many tasks per repository. @default 3 */
  perRepo: number;
  /** At most this many tasks in all. @default unlimited */
  limit?: number;
  /** Seed of the draw (which tasks of a repo are taken). @default 0 */
  seed: number;
  /** Local suites: tasks to generate. @default 6 */
  localCount: number;
  /** Local suites: the repository's test command. @default "npm test" */
  testCmd?: string;
}

export const DEFAULT_SUITE: Omit<SuiteSpec, 'path'> = {
  filter: {},
  perRepo: 3,
  seed: 0,
  localCount: 6,
};

export interface LoadedSuite {
  kind: SuiteKind;
  tasks: GymTask[];
  /** Host paths that hold gold patches or hidden tests (hidden from the agent's sandbox). */
  secrets: string[];
  /** Stable identity of the suite definition (a run directory belongs to one). */
  identity: Record<string, unknown>;
  hash: string;
}

/** Which kind of suite a path is. */
export function suiteKind(path: string): SuiteKind {
  if (!existsSync(path)) throw new Error(`--suite ${path}: no such file or directory`);
  if (statSync(path).isDirectory()) return 'local';
  if (!path.endsWith('.jsonl')) return 'store';
  const first =
    readFileSync(path, 'utf8')
      .split('\n')
      .find((l) => l.trim()) ?? '';
  return /"instance_id"\s*:/.test(first) ? 'swebench' : 'store';
}

const hashOf = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

/** Bug kinds of a task ("swebench" when it has none recorded). */
export const kindsOf = (gt: GymTask): string[] =>
  gt.task.bugs.length ? [...new Set(gt.task.bugs.map((b) => b.kind))].sort() : ['unknown'];

function keep(gt: GymTask, s: SuiteSpec): boolean {
  const t = gt.task;
  if (s.split && t.split !== s.split) return false;
  if (s.stage && t.stage !== s.stage) return false;
  if (s.kind && !t.bugs.some((b) => b.kind === s.kind)) return false;
  if (s.difficulty && !(t.difficulty >= s.difficulty[0] && t.difficulty <= s.difficulty[1]))
    return false;
  return matches(gt, s.filter);
}

/**
 * Round-robin over repositories (in a seeded order), each contributing its tasks in a seeded
 * order, at most `perRepo` each, until `limit`: a capped suite still spans many repositories.
 */
export function draw<T extends { task: { id: string; repoId: string } }>(
  items: T[],
  perRepo: number,
  limit: number,
  seed: number,
): T[] {
  const byRepo = new Map<string, T[]>();
  for (const x of items) byRepo.set(x.task.repoId, [...(byRepo.get(x.task.repoId) ?? []), x]);
  const order = (s: string) => hashOf(`${seed}:${s}`);
  const repos = [...byRepo.keys()].sort((a, b) => order(a).localeCompare(order(b)));
  for (const r of repos)
    byRepo.get(r)?.sort((a, b) => order(a.task.id).localeCompare(order(b.task.id)));
  const out: T[] = [];
  const rounds = Math.min(perRepo, Math.max(0, ...[...byRepo.values()].map((g) => g.length)));
  for (let round = 0; round < rounds && out.length < limit; round++)
    for (const r of repos) {
      const x = byRepo.get(r)?.[round];
      if (x && out.length < limit) out.push(x);
    }
  return out;
}

async function loadStore(path: string, s: SuiteSpec, limit: number): Promise<GymTask[]> {
  if (path.endsWith('.jsonl')) {
    const all = (await loadGymTasks(path)).filter((gt) => keep(gt, s));
    return draw(all, s.perRepo, limit, s.seed);
  }
  let store: TaskStore;
  try {
    store = new TaskStore(path);
  } catch (e) {
    throw new Error(`--suite ${path}: not a task store (${(e as Error).message})`);
  }
  try {
    // Filters and the draw need no repository: only the tasks drawn are rebuilt.
    const empty = { repoId: '', language: 'js' as const, files: {}, testFiles: [], testCmd: '' };
    const cands = [...store.iterate({ split: s.split, stage: s.stage })]
      .map((task) => ({ task, repo: { ...empty, repoId: task.repoId } }))
      .filter((gt) => keep(gt, s));
    return draw(cands, s.perRepo, limit, s.seed).map((gt) => {
      const tf = loadTaskFiles(store, gt.task.id);
      return { task: { ...tf.task, testCmd: localTestCmd(tf.task.testCmd) }, repo: tf.repo };
    });
  } finally {
    store.close();
  }
}

async function loadLocal(dir: string, s: SuiteSpec, limit: number): Promise<GymTask[]> {
  const repo = loadLocalRepo(dir, { testCmd: s.testCmd });
  const tasks: GymTask[] = [];
  for await (const task of generate(dir, {
    count: s.localCount,
    seed: s.seed + 1,
    // Few candidates per kind: each is validated by spawning the repo's own test command.
    maxPerKind: 1,
    timeoutMs: 60_000,
    workers: 2,
    ...(s.testCmd ? { testCmd: s.testCmd } : {}),
    ...(s.stage ? { stage: s.stage } : {}),
  })) {
    // The factory's tasks carry their bugs; patches are derived as the store's loader does.
    const buggy = { ...repo.files, ...buggyFiles(repo.files, task.bugs) };
    tasks.push({
      task: {
        ...task,
        bugPatch: repoDiff(repo.files, buggy),
        goldPatch: repoDiff(buggy, repo.files),
        testCmd: localTestCmd(task.testCmd),
      },
      repo,
    });
  }
  // One repository: the per-repo cap would cut it to a handful, so only the limit applies.
  return draw(
    tasks.filter((gt) => keep(gt, { ...s, split: undefined })),
    Number.POSITIVE_INFINITY,
    limit,
    s.seed,
  );
}

/** Loads and draws a suite. Errors are user errors (one line, naming the path). */
export async function loadSuite(spec: Partial<SuiteSpec> & { path: string }): Promise<LoadedSuite> {
  const kind = suiteKind(spec.path);
  const s: SuiteSpec = {
    ...DEFAULT_SUITE,
    ...(kind === 'store' ? { split: 'eval' as const } : {}),
    ...spec,
    path: resolve(spec.path),
  };
  const limit = s.limit ?? Number.POSITIVE_INFINITY;
  let tasks: GymTask[];
  let secrets = [s.path];
  if (kind === 'swebench') {
    const loaded = loadSweSuite(s.path, readFileSync(s.path, 'utf8'));
    secrets = [s.path, ...loaded.repoDirs];
    tasks = draw(
      loaded.tasks.filter((gt) => keep(gt, s)),
      s.perRepo,
      limit,
      s.seed,
    );
  } else if (kind === 'local') tasks = await loadLocal(s.path, s, limit);
  else {
    tasks = await loadStore(s.path, s, limit);
    secrets = ['', '-wal', '-shm', '-journal'].map((x) => s.path + x).filter(existsSync);
  }
  const identity = {
    kind,
    path: s.path,
    split: s.split ?? null,
    stage: s.stage ?? null,
    kind_filter: s.kind ?? null,
    difficulty: s.difficulty ?? null,
    filter: s.filter,
    perRepo: Number.isFinite(s.perRepo) ? s.perRepo : null,
    limit: s.limit ?? null,
    seed: s.seed,
    ...(kind === 'local' ? { localCount: s.localCount, testCmd: s.testCmd ?? null } : {}),
  };
  return { kind, tasks, secrets, identity, hash: hashOf(JSON.stringify(identity)) };
}

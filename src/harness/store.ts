// The session store: trajectories and spilled outputs live in a per-user state directory
// ($XDG_STATE_HOME/loopsmith, default ~/.local/state/loopsmith), keyed by repository, so a
// run leaves nothing in the user's repository (its git status stays clean).
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import type { Trajectory } from './trajectory.js';

/** A session the store cannot find or read: a one-line message for the user. */
export class StoreError extends Error {}

/** $XDG_STATE_HOME/loopsmith, else ~/.local/state/loopsmith. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME?.startsWith('/')
    ? env.XDG_STATE_HOME
    : join(homedir(), '.local', 'state');
  return join(base, 'loopsmith');
}

/** Folder name of a repository: its name, for people, and a hash of its real path, for uniqueness. */
export function repoKey(repo: string): string {
  const name = basename(repo).replace(/[^A-Za-z0-9._-]/g, '_') || 'root';
  return `${name}-${createHash('sha256').update(repo).digest('hex').slice(0, 12)}`;
}

export interface SessionPaths {
  id: string;
  dir: string;
  trajectory: string;
  /** Full outputs of cut commands and elided context; readable by the model. */
  spillDir: string;
}

/** Where session `id` (a new one when omitted) of `repo` keeps its files; creates the folders. */
export function sessionPaths(
  repo: string,
  id: string = randomUUID(),
  env = process.env,
): SessionPaths {
  const dir = join(stateDir(env), 'sessions', repoKey(repo), id);
  const spillDir = join(dir, 'out');
  mkdirSync(spillDir, { recursive: true });
  return { id, dir, trajectory: join(dir, 'trajectory.json'), spillDir };
}

export interface SessionInfo {
  id: string;
  repo: string;
  model: string;
  task: string;
  status: string;
  turns: number;
  createdAt: string;
  /** Last save. */
  updatedAt: string;
  path: string;
}

/** Sessions of `repo` (every repository when undefined), most recently saved first. */
export function listSessions(repo?: string, env = process.env): SessionInfo[] {
  const root = join(stateDir(env), 'sessions');
  if (!existsSync(root)) return [];
  const keys = repo ? [repoKey(repo)] : readdirSync(root);
  const out: SessionInfo[] = [];
  for (const key of keys) {
    const dir = join(root, key);
    if (!existsSync(dir)) continue;
    for (const id of readdirSync(dir)) {
      const path = join(dir, id, 'trajectory.json');
      if (!existsSync(path)) continue;
      const t = readTrajectory(path, false);
      if (!t) continue;
      out.push({
        id: t.id,
        repo: t.repo,
        model: t.model,
        task: t.task,
        status: t.status,
        turns: t.turns.length,
        createdAt: t.createdAt,
        updatedAt: statSync(path).mtime.toISOString(),
        path,
      });
    }
  }
  return out.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}

/** The session whose id starts with `id` (this repository's first, then any), or the last one. */
export function findSession(repo: string, id: string | 'last', env = process.env): SessionInfo {
  const here = listSessions(repo, env);
  if (id === 'last') {
    if (here.length === 0)
      throw new StoreError(`no saved session for ${repo} (in ${stateDir(env)})`);
    return here[0];
  }
  for (const pool of [here, listSessions(undefined, env)]) {
    const hits = pool.filter((s) => s.id.startsWith(id));
    if (hits.length === 1) return hits[0];
    if (hits.length > 1)
      throw new StoreError(
        `session id ${id} is ambiguous (${hits.length} sessions); give more of it`,
      );
  }
  throw new StoreError(`no session with id ${id} (see loopsmith sessions --all)`);
}

/** Reads a saved trajectory; `strict` throws a StoreError naming the file, else null. */
export function readTrajectory(path: string, strict = true): Trajectory | null {
  try {
    const t = JSON.parse(readFileSync(path, 'utf8')) as Trajectory;
    if (t.format !== 'loopsmith.trajectory/1' || !Array.isArray(t.messages))
      throw new Error('not a loopsmith trajectory');
    return t;
  } catch (e) {
    if (strict) throw new StoreError(`${path}: ${(e as Error).message}`);
    return null;
  }
}

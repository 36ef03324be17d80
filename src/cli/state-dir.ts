// Where sessions live: a per-user state directory (XDG), keyed by repository, so nothing the
// harness keeps (trajectories, spilled outputs) lands in the user's repository.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';

/** `<state>/loopsmith/sessions/<repo>-<hash>`: every session of one repository. */
export function repoSessionsDir(root: string, env = process.env): string {
  const state = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  const key = `${basename(root)}-${createHash('sha256').update(root).digest('hex').slice(0, 12)}`;
  return join(state, 'loopsmith', 'sessions', key);
}

/** One session's directory: trajectory.json and out/ (spilled outputs). */
export function sessionDir(root: string, id: string, env = process.env): string {
  return join(repoSessionsDir(root, env), id);
}

/** The saved session `id` (or a unique prefix of it), or the newest one for `last`. */
export function findSessionDir(root: string, id: string, env = process.env): string | undefined {
  const dir = repoSessionsDir(root, env);
  if (!existsSync(dir)) return undefined;
  const all = readdirSync(dir)
    .filter((d) => existsSync(join(dir, d, 'trajectory.json')))
    .map((d) => ({ d, mtime: statSync(join(dir, d, 'trajectory.json')).mtimeMs }));
  if (id === 'last') {
    const newest = all.sort((a, b) => b.mtime - a.mtime)[0];
    return newest && join(dir, newest.d);
  }
  const hits = all.filter((x) => x.d.startsWith(id));
  return hits.length === 1 ? join(dir, hits[0].d) : undefined;
}

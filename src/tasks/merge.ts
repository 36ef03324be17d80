// Several stores and exports into one suite: tasks from task stores (SQLite) and from
// `tasks export --format jsonl` files ({task, repo} lines) are written into one store, each
// repo once, duplicates (same task id) once. The merged store reads like any generated one.
import { readFileSync } from 'node:fs';
import { UserError } from './errors.js';
import { rebuildRepo } from './materialize.js';
import { TaskStore } from './store.js';
import type { RepoSnapshot, Task } from './types.js';

/** One repo's tasks as read from an input. */
interface Group {
  repo: RepoSnapshot;
  tasks: Task[];
  /** Whether the snapshot must be stored (it cannot be rebuilt from a generator seed). */
  storeFiles: boolean;
  /**
   * Where a local repository's tasks were made from (`local:/abs/path`): kept so the merged
   * store still finds its installed node_modules, without which its tests cannot run.
   */
  localSource?: string;
}

function fromStore(path: string): Map<string, Group> {
  const store = TaskStore.open(path);
  try {
    const groups = new Map<string, Group>();
    for (const task of store.iterate()) {
      let g = groups.get(task.repoId);
      if (!g) {
        const repo = rebuildRepo(store, task.repoId);
        const info = store.repoInfo(task.repoId);
        g = { repo, tasks: [], storeFiles: info.files !== null };
        if (info.source.startsWith('local:')) g.localSource = info.source;
        groups.set(task.repoId, g);
      }
      g.tasks.push(task);
    }
    return groups;
  } finally {
    store.close();
  }
}

function fromJsonl(path: string): Map<string, Group> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`${path}: ${(e as Error).message}`);
  }
  const groups = new Map<string, Group>();
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let row: { task?: Task; repo?: RepoSnapshot };
    try {
      row = JSON.parse(line);
    } catch (e) {
      throw new UserError(`${path}:${i + 1}: not JSON (${(e as Error).message})`);
    }
    if (!row.task?.id || !row.repo?.files || !Array.isArray(row.repo.testFiles))
      throw new UserError(
        `${path}:${i + 1}: expected {"task": ..., "repo": ...} (what \`tasks export --format jsonl\` writes)`,
      );
    const g = groups.get(row.repo.repoId) ?? { repo: row.repo, tasks: [], storeFiles: true };
    g.tasks.push(row.task);
    groups.set(row.repo.repoId, g);
  });
  return groups;
}

/** Counts of a merge. */
export interface MergeResult {
  inputs: number;
  repos: number;
  read: number;
  added: number;
}

/** Merges stores (any path not ending in .jsonl) and JSONL exports into the store at `out`. */
export function mergeInto(out: string, inputs: string[]): MergeResult {
  const res: MergeResult = { inputs: inputs.length, repos: 0, read: 0, added: 0 };
  const parsed = inputs.map((p) => (p.endsWith('.jsonl') ? fromJsonl(p) : fromStore(p)));
  const store = new TaskStore(out);
  // Distinct repositories: the same repo brought by two inputs is one repo of the suite.
  const repoIds = new Set<string>();
  let groupNo = 0;
  try {
    parsed.forEach((groups, k) => {
      for (const g of groups.values()) {
        // The store keeps F2P/P2P as indices into the repo's test list: every id any task
        // names, appended to the list of a repo an earlier input brought.
        const named = [...new Set(g.tasks.flatMap((t) => [...t.failToPass, ...t.passToPass]))];
        const ids = store.extendTestIds(g.repo.repoId, named) ?? named;
        res.read += g.tasks.length;
        res.added += store.addRepo({
          source: g.localSource ?? `merge:${inputs[k]}`,
          seed: groupNo++,
          repo: g.repo,
          split: g.tasks[0]?.split ?? 'train',
          storeFiles: g.storeFiles,
          testIds: ids,
          tasks: g.tasks,
          stats: { candidates: {}, kept: {}, dropped: {}, ms: 0 },
        });
        repoIds.add(g.repo.repoId);
      }
    });
    res.repos = repoIds.size;
  } finally {
    store.close();
  }
  return res;
}

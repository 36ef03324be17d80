// Where rollouts get their tasks: the task factory's SQLite store (repos rebuilt and
// patches derived by its materialize module), or a JSONL file of `{task, repo}` lines (what
// the gym's fixtures write: the task plus the clean repository it was made from).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Task } from '../tasks/types.js';
import type { GymTask } from './workspace.js';

/** A `key=value` filter on a task field (stage, family, split, statementStyle, repoId, id) or a feature. */
export function parseFilter(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const at = item.indexOf('=');
    if (at <= 0)
      throw new Error(`--filter ${JSON.stringify(item)} must look like key=value (e.g. stage=1)`);
    out[item.slice(0, at)] = item.slice(at + 1);
  }
  return out;
}

/** Whether a task matches every filter (values compared as strings). */
export function matches(gt: GymTask, filter: Record<string, string>): boolean {
  return Object.entries(filter).every(([k, v]) => {
    const t = gt.task as unknown as Record<string, unknown>;
    const value = k in t ? t[k] : gt.task.features[k];
    if (value === undefined)
      throw new Error(`--filter ${k}=${v}: tasks have no field or feature "${k}"`);
    return String(value) === v;
  });
}

function check(x: unknown, where: string): GymTask {
  const g = x as GymTask;
  const ok =
    g &&
    typeof g === 'object' &&
    g.task &&
    typeof g.task.id === 'string' &&
    typeof g.task.goldPatch === 'string' &&
    Array.isArray(g.task.failToPass) &&
    g.repo &&
    typeof g.repo.files === 'object' &&
    Array.isArray(g.repo.testFiles);
  if (!ok)
    throw new Error(
      `${where}: expected {"task": {id, goldPatch, failToPass, ...}, "repo": {files, testFiles, ...}}`,
    );
  return g;
}

// Through variables, so the gym builds and runs (on JSONL) whatever state the store is in.
const STORE_MODULE = '../tasks/store.js';
const MATERIALIZE_MODULE = '../tasks/materialize.js';

interface StoreApi {
  TaskStore: new (path: string) => { iterate(q?: object): Iterable<Task>; close(): void };
}
interface MaterializeApi {
  loadTaskFiles(store: unknown, id: string): { task: Task; repo: GymTask['repo']; deps?: string };
}

/** Whether a package.json names packages its tests need installed. */
function needsDeps(pkg: string | undefined): boolean {
  try {
    const p = JSON.parse(pkg ?? '{}') as Record<string, object | undefined>;
    return Object.keys({ ...p.dependencies, ...p.devDependencies }).length > 0;
  } catch {
    return false;
  }
}

/** Tasks from a task-factory store file, filtered, capped. */
async function loadFromStore(
  path: string,
  filter: Record<string, string>,
  limit: number,
): Promise<GymTask[]> {
  if (!existsSync(path)) throw new Error(`--tasks ${path}: no such file`);
  let storeApi: StoreApi;
  let mat: MaterializeApi;
  try {
    storeApi = (await import(new URL(STORE_MODULE, import.meta.url).href)) as StoreApi;
    mat = (await import(new URL(MATERIALIZE_MODULE, import.meta.url).href)) as MaterializeApi;
  } catch (e) {
    throw new Error(
      `--tasks ${path}: this build cannot read task stores (${(e as Error).message})`,
    );
  }
  const store = new storeApi.TaskStore(path);
  const warned = new Set<string>();
  try {
    const out: GymTask[] = [];
    for (const task of store.iterate({})) {
      if (out.length >= limit) break;
      // Filters need no repo: the costly rebuild happens only for tasks kept.
      if (
        !matches(
          {
            task,
            repo: {
              repoId: task.repoId,
              language: 'js',
              files: {},
              testFiles: [],
              testCmd: task.testCmd,
            },
          },
          filter,
        )
      )
        continue;
      const tf = mat.loadTaskFiles(store, task.id);
      if (
        task.repoId.startsWith('local:') &&
        !tf.deps &&
        needsDeps(tf.repo.files['package.json']) &&
        !warned.has(task.repoId)
      ) {
        warned.add(task.repoId);
        process.stderr.write(
          `warning: ${task.repoId} declares dependencies but the repository its tasks were made from is not on this machine with its node_modules: its tests will not run (make the tasks again from an installed checkout)\n`,
        );
      }
      out.push({
        task: { ...tf.task, testCmd: localTestCmd(tf.task.testCmd) },
        repo: tf.repo,
        ...(tf.deps ? { deps: tf.deps } : {}),
      });
    }
    return out;
  } finally {
    store.close();
  }
}

/**
 * A workspace has no node_modules: `--import tsx` in a TS repo's test command is pointed at
 * the tsx that loopsmith itself has installed (visible read-only inside the sandbox).
 */
export function localTestCmd(testCmd: string): string {
  if (!/--import tsx\b/.test(testCmd)) return testCmd;
  let loader: string;
  try {
    loader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  } catch {
    throw new Error('TypeScript tasks need the tsx package installed beside loopsmith (npm i tsx)');
  }
  return testCmd.replace(/--import tsx\b/, `--import ${loader}`);
}

/** Loads tasks from a store (SQLite) or a JSONL file, filtered, optionally capped. */
export async function loadGymTasks(
  path: string,
  filter: Record<string, string> = {},
  limit = Number.POSITIVE_INFINITY,
): Promise<GymTask[]> {
  if (!path.endsWith('.jsonl')) return loadFromStore(path, filter, limit);
  const text = await readFile(path, 'utf8').catch((e: Error) => {
    throw new Error(`--tasks ${path}: ${e.message}`);
  });
  const out: GymTask[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && out.length < limit; i++) {
    if (!lines[i].trim()) continue;
    let obj: unknown;
    try {
      obj = JSON.parse(lines[i]);
    } catch (e) {
      throw new Error(`${path}:${i + 1}: not JSON (${(e as Error).message})`);
    }
    const gt = check(obj, `${path}:${i + 1}`);
    if (matches(gt, filter))
      out.push({ ...gt, task: { ...gt.task, testCmd: localTestCmd(gt.task.testCmd) } });
  }
  return out;
}

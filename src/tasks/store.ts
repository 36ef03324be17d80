// The task store: one SQLite file (better-sqlite3). Tasks are stored compactly — the repo is
// not stored for generated sources (generator version + seed rebuild it), a task keeps its
// bug edits, F2P/P2P as indices into the repo's test list, and its statement, deflated.
// Each repo's tasks and its progress row are written in one transaction, so a killed run
// loses at most the repos in flight and a rerun neither loses nor duplicates anything.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { UserError } from './errors.js';
import type { RepoSnapshot, Task } from './types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS manifest (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS repos (
  repo_id TEXT PRIMARY KEY, source TEXT NOT NULL, seed INTEGER, split TEXT NOT NULL,
  language TEXT NOT NULL, test_cmd TEXT NOT NULL,
  tests BLOB NOT NULL,   -- deflated JSON: test ids (F2P/P2P indices point here) + test files
  files BLOB             -- deflated JSON snapshot, only for sources that cannot be rebuilt
);
CREATE TABLE IF NOT EXISTS tasks (
  id TEXT PRIMARY KEY, repo_id TEXT NOT NULL, seq INTEGER NOT NULL, family TEXT NOT NULL,
  stage INTEGER NOT NULL, split TEXT NOT NULL, kinds TEXT NOT NULL, n_bugs INTEGER NOT NULL,
  difficulty REAL NOT NULL, style TEXT NOT NULL, body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS tasks_by_seq ON tasks(seq);
CREATE TABLE IF NOT EXISTS progress (
  source TEXT NOT NULL, seed INTEGER NOT NULL, n_tasks INTEGER NOT NULL, stats TEXT NOT NULL,
  PRIMARY KEY (source, seed)
);
`;

/** Per-repo counts recorded with its progress row (yield per kind, drop reasons). */
export interface SeedStats {
  candidates: Record<string, number>;
  kept: Record<string, number>;
  dropped: Record<string, number>;
  ms: number;
}

/** What a finished repo contributes, written atomically. */
export interface RepoBatch {
  source: string;
  seed: number;
  repo: RepoSnapshot;
  split: 'train' | 'eval';
  /** Keep the snapshot in the store (sources that cannot be rebuilt from a seed). */
  storeFiles: boolean;
  testIds: string[];
  tasks: Task[];
  stats: SeedStats;
}

const pack = (v: unknown): Buffer => deflateRawSync(Buffer.from(JSON.stringify(v)));
const unpack = <T>(b: Buffer): T => JSON.parse(inflateRawSync(b).toString('utf8')) as T;

/** Content hash used for dedup: the repo plus the buggy contents, whitespace-normalized. */
export function patchHash(repoId: string, buggyFiles: Record<string, string>): string {
  const h = createHash('sha256').update(repoId);
  for (const p of Object.keys(buggyFiles).sort())
    h.update('\0').update(p).update('\0').update(buggyFiles[p].replace(/\s+/g, ' '));
  return h.digest('hex').slice(0, 20);
}

type Body = Pick<Task, 'bugs' | 'statement' | 'visibleTests' | 'features' | 'createdAt'> & {
  f2p: number[];
  p2p: number[];
};

interface TaskRow {
  id: string;
  repo_id: string;
  seq: number;
  family: Task['family'];
  stage: 1 | 2;
  split: Task['split'];
  kinds: string;
  n_bugs: number;
  difficulty: number;
  style: Task['statementStyle'];
  body: Buffer;
}

/** Filters for listing tasks. */
export interface TaskQuery {
  stage?: 1 | 2;
  split?: 'train' | 'eval';
  family?: Task['family'];
  limit?: number;
}

/** The SQLite task store. */
export class TaskStore {
  readonly db: Database.Database;
  private repoTests = new Map<string, { ids: string[]; testCmd: string }>();

  constructor(readonly path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
  }

  /** Opens an existing store for commands that only read: a missing file is a UserError, never a new empty store. */
  static open(path: string): TaskStore {
    if (!existsSync(path))
      throw new UserError(
        `${path}: no such task store (make one with \`loopsmith tasks gen --db ${path} ...\`)`,
      );
    try {
      const d = new Database(path, { readonly: true, fileMustExist: true });
      const ok = d.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'tasks'").pluck().get();
      d.close();
      if (!ok) throw new UserError(`${path}: not a loopsmith task store (no tasks table)`);
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(`${path}: not a loopsmith task store (${(e as Error).message})`);
    }
    return new TaskStore(path);
  }

  /** Records the run's manifest (config, seed, versions, git sha); earlier keys stay unless overwritten. */
  setManifest(entries: Record<string, unknown>): void {
    const put = this.db.prepare('INSERT OR REPLACE INTO manifest (key, value) VALUES (?, ?)');
    this.db.transaction(() => {
      for (const [k, v] of Object.entries(entries)) put.run(k, JSON.stringify(v));
    })();
  }

  manifest(): Record<string, unknown> {
    const rows = this.db.prepare('SELECT key, value FROM manifest').all() as {
      key: string;
      value: string;
    }[];
    return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value)]));
  }

  /** Seeds of a source already finished (their tasks are in the store). */
  doneSeeds(source: string): Set<number> {
    const rows = this.db
      .prepare('SELECT seed FROM progress WHERE source = ?')
      .pluck()
      .all(source) as number[];
    return new Set(rows);
  }

  count(): number {
    return this.db.prepare('SELECT count(*) FROM tasks').pluck().get() as number;
  }

  /**
   * Writes one repo's tasks and its progress row in one transaction; duplicates (same id)
   * are skipped. `limit` caps the total number of tasks in the store. Returns tasks added.
   */
  addRepo(batch: RepoBatch, limit = Number.POSITIVE_INFINITY): number {
    const index = new Map(batch.testIds.map((id, i) => [id, i]));
    const insertTask = this.db.prepare(
      'INSERT OR IGNORE INTO tasks (id, repo_id, seq, family, stage, split, kinds, n_bugs, difficulty, style, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    let added = 0;
    // A local repository comes in one batch per chunk: pack (deflate) its files only once.
    const known = this.db
      .prepare('SELECT 1 FROM repos WHERE repo_id = ?')
      .pluck()
      .get(batch.repo.repoId);
    this.db.transaction(() => {
      if (!known)
        this.db
          .prepare(
            'INSERT OR IGNORE INTO repos (repo_id, source, seed, split, language, test_cmd, tests, files) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          )
          .run(
            batch.repo.repoId,
            batch.source,
            batch.seed,
            batch.split,
            batch.repo.language,
            batch.repo.testCmd,
            pack({ ids: batch.testIds, files: batch.repo.testFiles }),
            batch.storeFiles ? pack(batch.repo.files) : null,
          );
      let seq =
        (this.db.prepare('SELECT coalesce(max(seq), -1) FROM tasks').pluck().get() as number) + 1;
      let total = this.count();
      let truncated = false;
      for (const t of batch.tasks) {
        if (total >= limit) {
          truncated = true;
          break;
        }
        const idx = (ids: string[]) =>
          ids.map((id) => {
            const i = index.get(id);
            if (i === undefined)
              throw new Error(`task ${t.id}: test ${id} is not in the repo's test list`);
            return i;
          });
        const body: Body = {
          bugs: t.bugs,
          statement: t.statement,
          visibleTests: t.visibleTests,
          features: t.features,
          createdAt: t.createdAt,
          f2p: idx(t.failToPass),
          p2p: idx(t.passToPass),
        };
        const kinds = [...new Set(t.bugs.map((b) => b.kind))].sort().join(',');
        const r = insertTask.run(
          t.id,
          t.repoId,
          seq,
          t.family,
          t.stage,
          t.split,
          kinds,
          t.bugs.length,
          t.difficulty,
          t.statementStyle,
          pack(body),
        );
        if (r.changes > 0) {
          added++;
          total++;
          seq++;
        }
      }
      // A repo cut short by the limit stays unfinished: a later, larger run completes it.
      if (!truncated) {
        this.db
          .prepare(
            'INSERT OR REPLACE INTO progress (source, seed, n_tasks, stats) VALUES (?, ?, ?, ?)',
          )
          .run(batch.source, batch.seed, added, JSON.stringify(batch.stats));
      }
    })();
    return added;
  }

  /**
   * A stored repo's test ids, with `add` appended when missing (indices already stored stay
   * valid); undefined when the repo is not in the store.
   */
  extendTestIds(repoId: string, add: string[] = []): string[] | undefined {
    const row = this.db.prepare('SELECT tests FROM repos WHERE repo_id = ?').get(repoId) as
      | { tests: Buffer }
      | undefined;
    if (!row) return undefined;
    const tests = unpack<{ ids: string[]; files: string[] }>(row.tests);
    const have = new Set(tests.ids);
    const missing = add.filter((id) => !have.has(id));
    if (missing.length > 0) {
      tests.ids.push(...new Set(missing));
      this.db.prepare('UPDATE repos SET tests = ? WHERE repo_id = ?').run(pack(tests), repoId);
      this.repoTests.delete(repoId);
    }
    return tests.ids;
  }

  private testsOf(repoId: string): { ids: string[]; testCmd: string } {
    let t = this.repoTests.get(repoId);
    if (!t) {
      const row = this.db
        .prepare('SELECT tests, test_cmd FROM repos WHERE repo_id = ?')
        .get(repoId) as { tests: Buffer; test_cmd: string } | undefined;
      if (!row) throw new Error(`repo ${repoId} is not in the store`);
      t = { ids: unpack<{ ids: string[] }>(row.tests).ids, testCmd: row.test_cmd };
      this.repoTests.set(repoId, t);
    }
    return t;
  }

  private toTask(row: TaskRow): Task {
    const body = unpack<Body>(row.body);
    const { ids, testCmd } = this.testsOf(row.repo_id);
    return {
      id: row.id,
      repoId: row.repo_id,
      family: row.family,
      stage: row.stage,
      split: row.split,
      bugs: body.bugs,
      // Patches are derived from the materialized repo (see materialize.ts); not stored.
      bugPatch: '',
      goldPatch: '',
      failToPass: body.f2p.map((i) => ids[i]),
      passToPass: body.p2p.map((i) => ids[i]),
      statement: body.statement,
      statementStyle: row.style,
      visibleTests: body.visibleTests,
      features: body.features,
      difficulty: row.difficulty,
      testCmd,
      createdAt: body.createdAt,
    };
  }

  /** One task by id, unique id prefix or exported instance_id ("<repo>__<id>"); undefined when absent. */
  get(idOrInstance: string): Task | undefined {
    const cut = idOrInstance.lastIndexOf('__');
    const id = cut >= 0 ? idOrInstance.slice(cut + 2) : idOrInstance;
    if (id === '') return undefined;
    const rows = this.db
      .prepare('SELECT * FROM tasks WHERE id >= ? AND id < ? LIMIT 2')
      .all(id, `${id}\uffff`) as TaskRow[];
    if (rows.length > 1 && rows[0].id !== id)
      throw new UserError(
        `task id prefix ${id} is ambiguous in ${this.path}: give more characters`,
      );
    const task = rows[0] ? this.toTask(rows[0]) : undefined;
    // An instance_id names its repo too: it must be this task's.
    if (task && cut >= 0 && instancePrefix(task.repoId) !== idOrInstance.slice(0, cut))
      return undefined;
    return task;
  }

  /** Tasks in insertion order, filtered. */
  *iterate(q: TaskQuery = {}): Generator<Task> {
    const where: string[] = [];
    const args: unknown[] = [];
    for (const [col, v] of [
      ['stage', q.stage],
      ['split', q.split],
      ['family', q.family],
    ] as const) {
      if (v === undefined) continue;
      where.push(`${col} = ?`);
      args.push(v);
    }
    const sql = `SELECT * FROM tasks ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq ${q.limit ? `LIMIT ${Math.floor(q.limit)}` : ''}`;
    for (const row of this.db.prepare(sql).iterate(...args) as IterableIterator<TaskRow>)
      yield this.toTask(row);
  }

  /** The repo row needed to rebuild a task's repository. */
  repoInfo(repoId: string): {
    source: string;
    seed: number | null;
    language: 'ts' | 'js';
    testCmd: string;
    testFiles: string[];
    files: Record<string, string> | null;
  } {
    const row = this.db.prepare('SELECT * FROM repos WHERE repo_id = ?').get(repoId) as
      | {
          source: string;
          seed: number | null;
          language: 'ts' | 'js';
          test_cmd: string;
          tests: Buffer;
          files: Buffer | null;
        }
      | undefined;
    if (!row) throw new Error(`repo ${repoId} is not in the store`);
    return {
      source: row.source,
      seed: row.seed,
      language: row.language,
      testCmd: row.test_cmd,
      testFiles: unpack<{ files: string[] }>(row.tests).files,
      files: row.files ? unpack<Record<string, string>>(row.files) : null,
    };
  }

  close(): void {
    this.db.close();
  }
}

/** The repo part of an exported instance_id (SWE-bench style: "<repo>__<task id>"). */
export function instancePrefix(repoId: string): string {
  return repoId.replace(/[^A-Za-z0-9]+/g, '-');
}

/** Summary of a store: what `loopsmith tasks stats` prints. */
export interface StoreStats {
  tasks: number;
  repos: number;
  byStage: Record<string, number>;
  byFamily: Record<string, number>;
  byKind: Record<string, number>;
  bySplit: Record<string, number>;
  /** Per bug kind (plus "combine"): candidates tried, tasks kept, kept / tried. */
  yieldByKind: Record<string, { candidates: number; kept: number; yield: number }>;
  dropped: Record<string, number>;
  /** Per stage: difficulty quantiles (min, p25, median, p75, max) and mean. */
  difficulty: Record<
    string,
    { min: number; p25: number; median: number; p75: number; max: number; mean: number }
  >;
  /** Repos with tasks in both splits (must be 0). */
  leakingRepos: number;
}

function groupCount(db: Database.Database, col: string): Record<string, number> {
  const rows = db
    .prepare(`SELECT ${col} AS k, count(*) AS n FROM tasks GROUP BY ${col} ORDER BY ${col}`)
    .all() as { k: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [String(r.k), r.n]));
}

/** Computes the summary statistics of a store. */
export function storeStats(store: TaskStore): StoreStats {
  const db = store.db;
  const yieldByKind: StoreStats['yieldByKind'] = {};
  const dropped: Record<string, number> = {};
  for (const row of db.prepare('SELECT stats FROM progress').iterate() as IterableIterator<{
    stats: string;
  }>) {
    const s = JSON.parse(row.stats) as SeedStats;
    const entry = (k: string) => {
      yieldByKind[k] ??= { candidates: 0, kept: 0, yield: 0 };
      return yieldByKind[k];
    };
    for (const [k, n] of Object.entries(s.candidates)) entry(k).candidates += n;
    for (const [k, n] of Object.entries(s.kept)) entry(k).kept += n;
    for (const [k, n] of Object.entries(s.dropped)) dropped[k] = (dropped[k] ?? 0) + n;
  }
  for (const y of Object.values(yieldByKind))
    y.yield = y.candidates ? Math.round((1000 * y.kept) / y.candidates) / 1000 : 0;
  const difficulty: StoreStats['difficulty'] = {};
  for (const stage of [1, 2]) {
    const d = db
      .prepare('SELECT difficulty FROM tasks WHERE stage = ? ORDER BY difficulty')
      .pluck()
      .all(stage) as number[];
    if (d.length === 0) continue;
    const q = (p: number) => d[Math.min(d.length - 1, Math.floor(p * d.length))];
    difficulty[String(stage)] = {
      min: d[0],
      p25: q(0.25),
      median: q(0.5),
      p75: q(0.75),
      max: d[d.length - 1],
      mean: Math.round((1000 * d.reduce((a, x) => a + x, 0)) / d.length) / 1000,
    };
  }
  const byKind: Record<string, number> = {};
  for (const [kinds, n] of Object.entries(groupCount(db, 'kinds')))
    for (const k of kinds.split(',')) byKind[k] = (byKind[k] ?? 0) + n;
  return {
    tasks: store.count(),
    repos: db.prepare('SELECT count(DISTINCT repo_id) FROM tasks').pluck().get() as number,
    byStage: groupCount(db, 'stage'),
    byFamily: groupCount(db, 'family'),
    byKind,
    bySplit: groupCount(db, 'split'),
    yieldByKind,
    dropped,
    difficulty,
    leakingRepos: db
      .prepare(
        'SELECT count(*) FROM (SELECT repo_id FROM tasks GROUP BY repo_id HAVING count(DISTINCT split) > 1)',
      )
      .pluck()
      .get() as number,
  };
}

// SWE-bench-format suites: a JSONL of instances (instance_id, repo, base_commit, patch,
// test_patch, problem_statement, FAIL_TO_PASS, PASS_TO_PASS, plus a test command) turned into
// gym tasks, and SWE-bench's own run report and per-instance report from graded rollouts.
//
// The mapping keeps SWE-bench's semantics inside the gym's task shape: the agent starts from
// base_commit exactly (test files as they are there, the test_patch's tests absent); grading
// restores the test files as test_patch leaves them; resolved by the same F2P + P2P rule.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { applyPatch, parsePatch } from '../gym/patch.js';
import type { RolloutRecord } from '../gym/rollout.js';
import { localTestCmd } from '../gym/tasks-source.js';
import type { GymTask } from '../gym/workspace.js';
import { repoDiff } from '../tasks/run/diff.js';
import { isTestPath, loadLocalRepo } from '../tasks/sources/local.js';
import type { RepoSnapshot, Task } from '../tasks/types.js';

/** SWE-bench stores the test lists as JSON-encoded strings; plain arrays are accepted too. */
const TestList = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  },
  z.array(z.string(), { error: 'must be a JSON list of test ids' }),
);

export const SweRow = z.looseObject({
  instance_id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a path-safe id'),
  /** A local git repository (checked out at base_commit on load) or a plain checkout directory. */
  repo: z.string().min(1),
  base_commit: z.string(),
  patch: z.string(),
  test_patch: z.string(),
  problem_statement: z.string().min(1),
  FAIL_TO_PASS: TestList,
  PASS_TO_PASS: TestList,
  /** The command that runs the tests offline from the repo root (loopsmith's addition). */
  test_cmd: z.string().min(1),
  stage: z.union([z.literal(1), z.literal(2)]).optional(),
  difficulty: z.union([z.number(), z.string()]).optional(),
  created_at: z.string().optional(),
});
export type SweRow = z.infer<typeof SweRow>;
const REQUIRED = Object.entries(SweRow.shape)
  .filter(([, v]) => !v.safeParse(undefined).success)
  .map(([k]) => k);

/** Parses one JSONL line; the error names the file, the line and the first bad field. */
export function parseSweRow(line: string, where: string): SweRow {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch (e) {
    throw new Error(`${where}: not JSON (${(e as Error).message})`);
  }
  // Accept SWE-bench's own spelling of the command field too.
  if (obj && typeof obj === 'object' && !('test_cmd' in obj) && 'test_command' in obj)
    (obj as Record<string, unknown>).test_cmd = (obj as Record<string, unknown>).test_command;
  if (obj && typeof obj === 'object' && !Array.isArray(obj)) {
    const missing = REQUIRED.find((k) => !(k in obj));
    if (missing) throw new Error(`${where}: missing field "${missing}"`);
  }
  const r = SweRow.safeParse(obj);
  if (!r.success) {
    const i = r.error.issues[0];
    const field = i.path.join('.') || '(row)';
    throw new Error(`${where}: field "${field}": ${i.message}`);
  }
  return r.data;
}

const isGitRepo = (dir: string) =>
  spawnSync('git', ['-C', dir, 'rev-parse', '--git-dir'], { encoding: 'utf8' }).status === 0;

/** The repository's files at base_commit (git archive of a local repo) or as checked out. */
function loadRepoAt(dir: string, commit: string, testCmd: string): RepoSnapshot {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new Error(`repo ${dir}: no such directory`);
  if (!isGitRepo(dir) || commit === '') return loadLocalRepo(dir, { testCmd });
  const tmp = mkdtempSync(join(tmpdir(), 'loopsmith-swe-'));
  try {
    const archive = spawnSync('git', ['-C', dir, 'archive', '--format=tar', commit], {
      maxBuffer: 1 << 30,
    });
    if (archive.status !== 0)
      throw new Error(
        `repo ${dir}: no commit ${commit} (${archive.stderr.toString().trim().split('\n')[0]})`,
      );
    const untar = spawnSync('tar', ['-x', '-C', tmp], { input: archive.stdout });
    if (untar.status !== 0) throw new Error(`repo ${dir}: tar failed at ${commit}`);
    return loadLocalRepo(tmp, { testCmd });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const touched = (patch: string) =>
  parsePatch(patch).flatMap((fp) => [fp.oldPath, fp.newPath].filter((p): p is string => !!p));

/** One SWE-bench instance as a gym task; `baseDir` resolves relative repo paths. */
export function sweToGymTask(
  row: SweRow,
  baseDir: string,
  cache = new Map<string, RepoSnapshot>(),
): GymTask {
  const dir = isAbsolute(row.repo) ? row.repo : resolve(baseDir, row.repo);
  const key = `${dir}@${row.base_commit}`;
  let base = cache.get(key);
  if (!base) {
    base = loadRepoAt(dir, row.base_commit, row.test_cmd);
    cache.set(key, base);
  }
  const at = (what: string, f: () => Record<string, string>) => {
    try {
      return f();
    } catch (e) {
      throw new Error(
        `${row.instance_id}: ${what} does not apply at ${row.base_commit || 'the checkout'} (${(e as Error).message})`,
      );
    }
  };
  const withTests = at('test_patch', () => applyPatch(base.files, row.test_patch));
  const clean = at('patch', () => applyPatch(withTests, row.patch));
  const testFiles = [
    ...new Set([...Object.keys(clean).filter(isTestPath), ...touched(row.test_patch)]),
  ].filter((p) => p in clean);
  const testSet = new Set(testFiles);
  const nonTest = (files: Record<string, string>) =>
    Object.fromEntries(Object.entries(files).filter(([p]) => !testSet.has(p)));
  const repo: RepoSnapshot = {
    repoId: row.repo,
    language: base.language,
    files: clean,
    testFiles,
    testCmd: row.test_cmd,
  };
  const task: Task = {
    id: row.instance_id,
    repoId: row.repo,
    family: 'bugfix',
    stage: row.stage ?? 1,
    split: 'eval',
    bugs: [],
    // Clean -> exactly base_commit: the agent sees the test files as they were there.
    bugPatch: repoDiff(clean, base.files),
    goldPatch: repoDiff(nonTest(base.files), nonTest(clean)),
    failToPass: row.FAIL_TO_PASS,
    passToPass: row.PASS_TO_PASS,
    statement: row.problem_statement,
    statementStyle: 'issue',
    visibleTests: testFiles.filter((p) => p in base.files),
    features: row.difficulty === undefined ? {} : { difficulty: row.difficulty },
    difficulty: typeof row.difficulty === 'number' ? row.difficulty : 0,
    testCmd: localTestCmd(row.test_cmd),
    createdAt: row.created_at ?? '',
  };
  return { task, repo };
}

/** Every instance of a SWE-bench JSONL file (text already read) as gym tasks. */
export function loadSweSuite(path: string, text: string): { tasks: GymTask[]; repoDirs: string[] } {
  const cache = new Map<string, RepoSnapshot>();
  const tasks: GymTask[] = [];
  const dirs = new Set<string>();
  const seen = new Set<string>();
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const row = parseSweRow(line, `${path}:${i + 1}`);
    if (seen.has(row.instance_id))
      throw new Error(`${path}:${i + 1}: instance_id ${row.instance_id} appears twice`);
    seen.add(row.instance_id);
    dirs.add(isAbsolute(row.repo) ? row.repo : resolve(dirname(path), row.repo));
    try {
      tasks.push(sweToGymTask(row, dirname(path), cache));
    } catch (e) {
      throw new Error(`${path}:${i + 1}: ${(e as Error).message}`);
    }
  });
  return { tasks, repoDirs: [...dirs] };
}

/** SWE-bench's run report (schema_version 2) over the first rollout of each instance. */
export interface SweRunReport {
  total_instances: number;
  submitted_instances: number;
  completed_instances: number;
  resolved_instances: number;
  unresolved_instances: number;
  empty_patch_instances: number;
  error_instances: number;
  completed_ids: string[];
  incomplete_ids: string[];
  empty_patch_ids: string[];
  submitted_ids: string[];
  resolved_ids: string[];
  unresolved_ids: string[];
  error_ids: string[];
  schema_version: 2;
}

type TestsStatus = Record<
  'FAIL_TO_PASS' | 'PASS_TO_PASS' | 'FAIL_TO_FAIL' | 'PASS_TO_FAIL',
  { success: string[]; failure: string[] }
>;

export interface SweInstanceReport {
  patch_is_None: boolean;
  patch_exists: boolean;
  patch_successfully_applied: boolean;
  resolved: boolean;
  tests_status: TestsStatus;
}

/** What the reports need of a task beyond its rollout record. */
export interface InstanceTests {
  id: string;
  failToPass: string[];
  passToPass: string[];
}

/**
 * The run report and per-instance entries. Empty patch: the agent changed nothing. Error:
 * the grading run could not be judged (empty or unparseable, timeout, exit without failure).
 * FAIL_TO_FAIL / PASS_TO_FAIL stay empty: loopsmith grades only the F2P and P2P lists.
 */
export function sweReports(
  instances: InstanceTests[],
  records: RolloutRecord[],
): { run: SweRunReport; instances: Record<string, SweInstanceReport> } {
  const first = new Map<string, RolloutRecord>();
  for (const r of records) if (r.k === 0 || !first.has(r.taskId)) first.set(r.taskId, r);
  const ids = instances.map((t) => t.id).sort();
  const submitted = ids.filter((id) => first.has(id));
  const empty = submitted.filter((id) => (first.get(id)?.trajectory.diff ?? '').trim() === '');
  const error = submitted.filter((id) => !empty.includes(id) && first.get(id)?.grade.invalid);
  const completed = submitted.filter((id) => !empty.includes(id) && !error.includes(id));
  const resolved = completed.filter((id) => first.get(id)?.grade.resolved);
  const run: SweRunReport = {
    total_instances: ids.length,
    submitted_instances: submitted.length,
    completed_instances: completed.length,
    resolved_instances: resolved.length,
    unresolved_instances: completed.length - resolved.length,
    empty_patch_instances: empty.length,
    error_instances: error.length,
    completed_ids: completed,
    incomplete_ids: ids.filter((id) => !completed.includes(id)),
    empty_patch_ids: empty,
    submitted_ids: submitted,
    resolved_ids: resolved,
    unresolved_ids: completed.filter((id) => !resolved.includes(id)),
    error_ids: error,
    schema_version: 2,
  };
  const per: Record<string, SweInstanceReport> = {};
  for (const t of instances) {
    const r = first.get(t.id);
    if (!r) continue;
    const g = r.grade;
    const judged = !g.invalid;
    const split = (all: string[], failing: string[]) => ({
      success: judged ? all.filter((x) => !failing.includes(x)) : [],
      failure: judged ? failing : all,
    });
    const exists = r.trajectory.diff.trim() !== '';
    per[t.id] = {
      patch_is_None: false,
      patch_exists: exists,
      // The harness edits the workspace in place: a patch exists exactly when it "applied".
      patch_successfully_applied: exists,
      resolved: g.resolved,
      tests_status: {
        FAIL_TO_PASS: split(t.failToPass, g.f2pFailing),
        PASS_TO_PASS: split(t.passToPass, g.p2pFailing),
        FAIL_TO_FAIL: { success: [], failure: [] },
        PASS_TO_FAIL: { success: [], failure: [] },
      },
    };
  }
  return { run, instances: per };
}

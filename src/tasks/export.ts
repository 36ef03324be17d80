// Exports stored tasks: SWE-bench instances (F2P / P2P as JSON-encoded lists of test ids,
// `patch` = gold patch, `test_patch` = the hidden tests, plus `test_cmd`) or full Task JSONL.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rebuildRepo } from './materialize.js';
import { repoDiff } from './run/diff.js';
import { instancePrefix, type TaskQuery, type TaskStore } from './store.js';
import { SYNTH_VERSION } from './synth/index.js';
import type { RepoSnapshot, Task } from './types.js';
import { buggyFiles } from './validate.js';

/** One SWE-bench instance (the standard fields, then loopsmith's extras). */
export interface SwebenchInstance {
  instance_id: string;
  repo: string;
  base_commit: string;
  patch: string;
  test_patch: string;
  problem_statement: string;
  hints_text: string;
  created_at: string;
  version: string;
  FAIL_TO_PASS: string;
  PASS_TO_PASS: string;
  environment_setup_commit: string;
  test_cmd: string;
  stage: 1 | 2;
  family: Task['family'];
  difficulty: number;
  split: Task['split'];
}

/** Content hash of a file set, standing in for a commit sha (the repo is materialized, not cloned). */
export function treeHash(files: Record<string, string>): string {
  const h = createHash('sha1');
  for (const p of Object.keys(files).sort()) h.update(p).update('\0').update(files[p]).update('\0');
  return h.digest('hex');
}

/** A task as a SWE-bench instance: base = the buggy repo without its hidden tests. */
export function toSwebench(task: Task, repo: RepoSnapshot): SwebenchInstance {
  const buggy = { ...repo.files, ...buggyFiles(repo.files, task.bugs) };
  const visible = new Set(task.visibleTests);
  const base = { ...buggy };
  const hidden: Record<string, string> = {};
  for (const f of repo.testFiles) {
    if (visible.has(f)) continue;
    hidden[f] = buggy[f];
    delete base[f];
  }
  const baseCommit = treeHash(base);
  return {
    instance_id: `${instancePrefix(repo.repoId)}__${task.id}`,
    repo: repo.repoId,
    base_commit: baseCommit,
    patch: repoDiff(buggy, repo.files),
    test_patch: repoDiff({}, hidden),
    problem_statement: task.statement,
    hints_text: '',
    created_at: task.createdAt,
    version: String(SYNTH_VERSION),
    FAIL_TO_PASS: JSON.stringify(task.failToPass),
    PASS_TO_PASS: JSON.stringify(task.passToPass),
    environment_setup_commit: baseCommit,
    // Portable: no path of this machine (TS repos say `--import tsx`; install tsx beside them).
    test_cmd: repo.testCmd,
    stage: task.stage,
    family: task.family,
    difficulty: task.difficulty,
    split: task.split,
  };
}

export interface ExportOptions extends TaskQuery {
  format: 'swebench' | 'jsonl';
}

/** Writes matching tasks, one JSON object per line; returns how many. */
export async function exportTasks(
  store: TaskStore,
  out: string,
  options: ExportOptions,
): Promise<number> {
  if (options.format !== 'swebench' && options.format !== 'jsonl') {
    throw new Error(`unknown export format ${String(options.format)} (use swebench or jsonl)`);
  }
  const stream = createWriteStream(out);
  let n = 0;
  let cached: RepoSnapshot | undefined;
  for (const task of store.iterate(options)) {
    // Tasks come in insertion order, i.e. grouped by repo: rebuild each repo once.
    if (cached?.repoId !== task.repoId) cached = rebuildRepo(store, task.repoId);
    const repo = cached;
    let line: string;
    if (options.format === 'swebench') line = JSON.stringify(toSwebench(task, repo));
    else {
      // {task, repo}: what `rollout --tasks` and `tasks merge` read back.
      const buggy = { ...repo.files, ...buggyFiles(repo.files, task.bugs) };
      line = JSON.stringify({
        task: {
          ...task,
          bugPatch: repoDiff(repo.files, buggy),
          goldPatch: repoDiff(buggy, repo.files),
          testCmd: repo.testCmd,
        },
        repo,
      });
    }
    if (!stream.write(`${line}\n`)) await new Promise<void>((r) => stream.once('drain', () => r()));
    n++;
  }
  await new Promise<void>((resolve, reject) =>
    stream.end((e?: Error | null) => (e ? reject(e) : resolve())),
  );
  return n;
}

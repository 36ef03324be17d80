// `evaluate(suite, model)`: the suite's tasks through the gym's rollout runner (the unchanged
// harness and grader, no second loop) into a resumable eval run directory, then the metrics
// and SWE-bench's reports written beside the rollouts. A pure reader `readEvalRun` serves
// compare and report.
//
//   RUN_DIR/eval.json               suite identity + hash, model, seed, n, sampling
//   RUN_DIR/suite-tasks.jsonl       the drawn tasks ({task, repo}); a resume reuses them
//   RUN_DIR/tasks.jsonl             per-task metadata for breakdowns (TaskMeta)
//   RUN_DIR/manifest.json, rollouts/, summary.json      (the gym's rollout run)
//   RUN_DIR/metrics.json            EvalMetrics
//   RUN_DIR/report.json             SWE-bench run report (schema_version 2)
//   RUN_DIR/instance_reports.json   per-instance entries with tests_status
//   RUN_DIR/predictions.jsonl       {instance_id, model_name_or_path, model_patch}
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EpisodeOptions } from '../gym/env.js';
import { type Progress, type RolloutRecord, readRecords, runRollouts } from '../gym/rollout.js';
import type { GymTask } from '../gym/workspace.js';
import type { Model } from '../providers/model.js';
import { computeMetrics, type EvalMetrics, type TaskMeta, taskMeta } from './metrics.js';
import type { LoadedSuite } from './suite.js';
import { sweReports } from './swebench.js';

/** A run directory that does not belong to this evaluation, or is not one: a user error. */
export class EvalInputError extends Error {}

export interface EvalInfo {
  format: 'loopsmith.eval/1';
  suite: Record<string, unknown>;
  suiteHash: string;
  model: string;
  /** Free label for reports (e.g. "A: harness trajectories"). @default the model spec */
  label: string;
  seed: number;
  n: number;
  /** Sampling given to the model: temperature 0 (greedy) unless set. */
  sampling: { temperature: number; topP: number | null };
}

export interface EvalOptions {
  outDir: string;
  /** Model spec, recorded and compared on resume. */
  model: string;
  makeModel: (gt: GymTask, k: number, seed: number) => Promise<Model> | Model;
  /** @default model spec */
  label?: string;
  /** Rollouts per task (pass@k needs n >= k). @default 1 */
  n: number;
  /** @default 0 */
  seed: number;
  /** @default 1 */
  concurrency: number;
  /** @default { temperature: 0, topP: null } */
  sampling: EvalInfo['sampling'];
  /** @default {} */
  episode: Partial<EpisodeOptions>;
  onProgress?: (p: Progress) => void;
}

export interface EvalResult {
  info: EvalInfo;
  metrics: EvalMetrics;
  dir: string;
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

const jsonl = (xs: unknown[]) => xs.map((x) => `${JSON.stringify(x)}\n`).join('');
const readJsonl = async <T>(p: string): Promise<T[]> =>
  (await readFile(p, 'utf8'))
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);

/** Reads eval.json of a run directory; a directory of another kind is an EvalInputError. */
export async function readEvalInfo(dir: string): Promise<EvalInfo> {
  const p = join(dir, 'eval.json');
  if (!existsSync(p))
    throw new EvalInputError(
      `${dir} is not an eval run directory (no eval.json; a \`loopsmith rollout\` run or another folder?)`,
    );
  const info = JSON.parse(await readFile(p, 'utf8')) as EvalInfo;
  if (info.format !== 'loopsmith.eval/1')
    throw new EvalInputError(`${p}: not a loopsmith eval record`);
  return info;
}

/**
 * The tasks a run directory will evaluate: its saved draw on resume (checked to be of the
 * same suite, model and seed), else the suite's fresh draw, saved.
 */
async function prepare(
  suite: LoadedSuite,
  o: Omit<EvalOptions, 'makeModel' | 'onProgress'>,
): Promise<{ info: EvalInfo; tasks: GymTask[] }> {
  await mkdir(o.outDir, { recursive: true });
  const info: EvalInfo = {
    format: 'loopsmith.eval/1',
    suite: suite.identity,
    suiteHash: suite.hash,
    model: o.model,
    label: o.label ?? o.model,
    seed: o.seed,
    n: o.n,
    sampling: o.sampling,
  };
  const saved = join(o.outDir, 'suite-tasks.jsonl');
  if (existsSync(join(o.outDir, 'eval.json'))) {
    const old = await readEvalInfo(o.outDir);
    if (old.suiteHash !== suite.hash)
      throw new EvalInputError(
        `${o.outDir} holds an eval of another suite (${old.suite.kind} ${old.suite.path}, suite ${old.suiteHash}); use a new --out`,
      );
    for (const k of ['model', 'seed', 'n'] as const)
      if (JSON.stringify(old[k]) !== JSON.stringify(info[k]))
        throw new EvalInputError(
          `${o.outDir} holds an eval with ${k} ${JSON.stringify(old[k])}, not ${JSON.stringify(info[k])}; use a new --out`,
        );
    if (existsSync(saved)) return { info: old, tasks: await readJsonl<GymTask>(saved) };
  } else if (existsSync(join(o.outDir, 'rollouts')) || existsSync(join(o.outDir, 'manifest.json')))
    throw new EvalInputError(
      `${o.outDir} holds a run that is not an eval (no eval.json); use a new --out`,
    );
  await writeAtomic(saved, jsonl(suite.tasks));
  await writeAtomic(join(o.outDir, 'tasks.jsonl'), jsonl(suite.tasks.map(taskMeta)));
  await writeAtomic(join(o.outDir, 'eval.json'), JSON.stringify(info, null, 1));
  return { info, tasks: suite.tasks };
}

/** Runs (or resumes) an evaluation and writes its metrics and reports. */
export async function evaluate(
  suite: LoadedSuite,
  opts: Partial<EvalOptions> & Pick<EvalOptions, 'outDir' | 'model' | 'makeModel'>,
): Promise<EvalResult> {
  const o: EvalOptions = {
    n: 1,
    seed: 0,
    concurrency: 1,
    sampling: { temperature: 0, topP: null },
    episode: {},
    ...opts,
  };
  const { info, tasks } = await prepare(suite, o);
  if (tasks.length === 0)
    throw new EvalInputError(`suite ${suite.identity.path} has no task left after filters`);
  await runRollouts(tasks, {
    outDir: o.outDir,
    n: o.n,
    seed: o.seed,
    concurrency: o.concurrency,
    makeModel: o.makeModel,
    episode: {
      ...o.episode,
      hidePaths: [...(o.episode.hidePaths ?? []), o.outDir, ...suite.secrets],
    },
    config: { model: o.model, eval: info.suiteHash, sampling: o.sampling },
    onProgress: o.onProgress,
  });
  return { info, metrics: await writeOutputs(o.outDir, info), dir: o.outDir };
}

/** Recomputes metrics.json, report.json, instance_reports.json and predictions.jsonl. */
export async function writeOutputs(dir: string, info: EvalInfo): Promise<EvalMetrics> {
  const { records, meta } = await readEvalRun(dir);
  const metrics = computeMetrics(records, meta);
  const swe = sweReports(meta, records);
  await writeAtomic(join(dir, 'metrics.json'), JSON.stringify(metrics, null, 1));
  await writeAtomic(join(dir, 'report.json'), JSON.stringify(swe.run, null, 1));
  await writeAtomic(join(dir, 'instance_reports.json'), JSON.stringify(swe.instances, null, 1));
  await writeAtomic(
    join(dir, 'predictions.jsonl'),
    jsonl(
      records
        .filter((r) => r.k === 0)
        .map((r) => ({
          instance_id: r.taskId,
          model_name_or_path: info.label,
          model_patch: r.trajectory.diff,
        })),
    ),
  );
  return metrics;
}

export interface EvalRun {
  dir: string;
  info: EvalInfo;
  meta: TaskMeta[];
  records: RolloutRecord[];
}

/** Everything a finished (or partial) eval run directory holds, for compare and report. */
export async function readEvalRun(dir: string): Promise<EvalRun> {
  const info = await readEvalInfo(dir);
  const metaPath = join(dir, 'tasks.jsonl');
  if (!existsSync(metaPath))
    throw new EvalInputError(`${dir}: no tasks.jsonl (incomplete eval run)`);
  const meta = await readJsonl<TaskMeta>(metaPath);
  const records = existsSync(join(dir, 'rollouts')) ? await readRecords(dir) : [];
  const known = new Set(meta.map((m) => m.id));
  const stray = records.find((r) => !known.has(r.taskId));
  if (stray)
    throw new EvalInputError(
      `${dir}: rollout of task ${stray.taskId}, which is not in this eval's suite`,
    );
  return { dir, info, meta, records };
}

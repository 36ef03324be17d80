// Rollouts: n episodes per task, `concurrency` at a time, into a run directory that
// survives a kill. Each finished rollout is one file written atomically (temp + rename);
// a rerun skips the files present, so nothing finished is lost or done twice.
//
//   RUN_DIR/manifest.json                 config, seed, version, git sha
//   RUN_DIR/rollouts/<task>/<k>.json      trajectory, grade, reward, usage, timings
//   RUN_DIR/summary.json                  run-level figures (see summary.ts)
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { UsageTotals } from '../harness/events.js';
import type { Trajectory } from '../harness/trajectory.js';
import type { Model } from '../providers/model.js';
import { type Episode, type EpisodeOptions, runEpisode, type Timings } from './env.js';
import type { Grade, Reward, Verdict } from './grade.js';
import { makeManifest } from './manifest.js';
import { type RunSummary, summarize, verdictOf } from './summary.js';
import type { GymTask } from './workspace.js';

export interface RolloutRecord {
  format: 'loopsmith.rollout/1';
  taskId: string;
  stage: number;
  /** Index of this rollout among the task's n. */
  k: number;
  /** Seed given to the model factory (the oracle's variation; sampling seeds elsewhere). */
  seed: number;
  model: string;
  status: string;
  turns: number;
  /** Ended by a turn, token or time limit: trainers mask such rollouts. */
  cutByLimit: boolean;
  usage: UsageTotals;
  grade: Grade;
  reward: Reward;
  timings: Timings;
  trajectory: Trajectory;
}

export interface RolloutOptions {
  outDir: string;
  /** Rollouts per task. @default 1 */
  n: number;
  /** Episodes running at once. @default 1 */
  concurrency: number;
  /** Base seed; each rollout's seed derives from it, the task id and k. @default 0 */
  seed: number;
  /** Builds the model for one rollout (the oracle needs the task; others ignore it). */
  makeModel: (gt: GymTask, k: number, seed: number) => Promise<Model> | Model;
  /** @default {} */
  episode: Partial<EpisodeOptions>;
  /** Recorded in the manifest (model spec, filters, limits ...). @default {} */
  config: Record<string, unknown>;
  onProgress?: (p: Progress) => void;
}

export interface Progress {
  done: number;
  total: number;
  /** Skipped because a previous run finished them. */
  skipped: number;
  resolved: number;
  /** Rollouts per minute in this process. */
  ratePerMin: number;
  etaSec: number | null;
  last?: { taskId: string; k: number; resolved: boolean; status: string; verdict: Verdict };
}

const CUT = new Set(['turn_limit', 'token_limit', 'time_limit', 'context_limit']);

/** Seed of rollout k of a task: stable across reruns and concurrency. */
export function rolloutSeed(base: number, taskId: string, k: number): number {
  return createHash('sha256').update(`${base}:${taskId}:${k}`).digest().readUInt32BE(0);
}

const recordPath = (outDir: string, taskId: string, k: number) =>
  join(outDir, 'rollouts', taskId, `${k}.json`);

async function writeAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

/** Record of one finished episode. */
export function toRecord(gt: GymTask, k: number, seed: number, ep: Episode): RolloutRecord {
  const t = ep.trajectory;
  return {
    format: 'loopsmith.rollout/1',
    taskId: gt.task.id,
    stage: gt.task.stage,
    k,
    seed,
    model: t.model,
    status: t.status,
    turns: t.turns.length,
    cutByLimit: CUT.has(t.status),
    usage: t.usage,
    grade: ep.grade,
    reward: ep.reward,
    timings: ep.timings,
    trajectory: t,
  };
}

/** Runs the missing rollouts of every task, then writes summary.json; returns the summary. */
export async function runRollouts(
  tasks: GymTask[],
  opts: Partial<RolloutOptions> & Pick<RolloutOptions, 'outDir' | 'makeModel'>,
): Promise<RunSummary> {
  const o = { n: 1, concurrency: 1, seed: 0, episode: {}, config: {}, ...opts };
  if (!Number.isInteger(o.n) || o.n < 1)
    throw new Error(`rollout: n must be a positive integer, got ${o.n}`);
  if (!Number.isInteger(o.concurrency) || o.concurrency < 1)
    throw new Error(`rollout: concurrency must be a positive integer, got ${o.concurrency}`);
  await mkdir(o.outDir, { recursive: true });
  const manifestPath = join(o.outDir, 'manifest.json');
  const config: Record<string, unknown> = {
    ...o.config,
    n: o.n,
    tasks: tasks.map((t) => t.task.id),
  };
  if (existsSync(manifestPath)) {
    const old = JSON.parse(await readFile(manifestPath, 'utf8'));
    if (old.seed !== o.seed || JSON.stringify(old.config?.model) !== JSON.stringify(config.model)) {
      throw new Error(
        `rollout: ${o.outDir} holds a run with another model or seed (${JSON.stringify(old.config?.model)}, seed ${old.seed}); use a new --out`,
      );
    }
  } else {
    await writeAtomic(
      manifestPath,
      JSON.stringify(makeManifest('rollout', o.seed, config), null, 1),
    );
  }
  const todo: { gt: GymTask; k: number }[] = [];
  let skipped = 0;
  // Seed-major: a task's k-th rollout starts after its earlier ones have finished, so the
  // commands they ran are there to reuse (--reuse-runs), and every task gets a first one early.
  for (let k = 0; k < o.n; k++)
    for (const gt of tasks)
      existsSync(recordPath(o.outDir, gt.task.id, k)) ? skipped++ : todo.push({ gt, k });

  const t0 = Date.now();
  let done = 0;
  let resolved = 0;
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const { gt, k } = todo[next++];
      const seed = rolloutSeed(o.seed, gt.task.id, k);
      const model = await o.makeModel(gt, k, seed);
      let ep: Episode;
      try {
        ep = await runEpisode(gt, model, {
          ...o.episode,
          agent: { ...o.episode.agent, extra: { taskId: gt.task.id, k, seed } },
        });
      } finally {
        await model.close?.();
      }
      const rec = toRecord(gt, k, seed, ep);
      await writeAtomic(recordPath(o.outDir, gt.task.id, k), JSON.stringify(rec));
      done++;
      if (rec.grade.resolved) resolved++;
      const perMs = done / Math.max(1, Date.now() - t0);
      o.onProgress?.({
        done,
        total: todo.length,
        skipped,
        resolved,
        ratePerMin: perMs * 60_000,
        etaSec: Math.round((todo.length - done) / perMs / 1000),
        last: {
          taskId: gt.task.id,
          k,
          resolved: rec.grade.resolved,
          status: rec.status,
          verdict: verdictOf(rec.grade),
        },
      });
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(o.concurrency, Math.max(1, todo.length)) }, worker),
  );
  const summary = summarize(await readRecords(o.outDir));
  await writeAtomic(join(o.outDir, 'summary.json'), JSON.stringify(summary, null, 1));
  return summary;
}

/** Every finished rollout record of a run directory (sorted by task, then k). */
export async function readRecords(runDir: string): Promise<RolloutRecord[]> {
  const root = join(runDir, 'rollouts');
  if (!existsSync(root))
    throw new Error(`${runDir} is not a rollout run directory (no rollouts/ folder)`);
  const out: RolloutRecord[] = [];
  for (const task of (await readdir(root)).sort()) {
    const files = (await readdir(join(root, task)))
      .filter((f) => /^\d+\.json$/.test(f))
      .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
    for (const f of files) {
      const rec = JSON.parse(await readFile(join(root, task, f), 'utf8')) as RolloutRecord;
      if (rec.format !== 'loopsmith.rollout/1')
        throw new Error(`${join(root, task, f)}: not a loopsmith rollout record`);
      out.push(rec);
    }
  }
  return out;
}

// Where RL rollouts come from. The default environment is the gym: the unchanged harness
// (`runEpisode` through `runRollouts`) in a real bwrap sandbox, graded by hidden tests, each
// finished rollout a file on disk (a resumed step reuses them). Tests plug in a scripted one.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { EpisodeOptions } from '../gym/env.js';
import { type RolloutRecord, readRecords, runRollouts } from '../gym/rollout.js';
import { loadGymTasks, parseFilter } from '../gym/tasks-source.js';
import type { GymTask } from '../gym/workspace.js';
import type { Model } from '../providers/model.js';
import { StageInputError } from './stage.js';

/** What one batch of rollouts needs. */
export interface EnvRun {
  /** Run directory of this batch (resumable: finished rollouts are kept and skipped). */
  outDir: string;
  /** Rollouts per task. */
  n: number;
  seed: number;
  /** The policy for one rollout (fresh per rollout: its sampling seed is the rollout's). */
  makeModel: (taskId: string, k: number, seed: number) => Model;
  /** Reward per 1,000 tokens taken from resolved rollouts. */
  tokenCostPer1k: number;
}

/** An RL environment: train and held-out task ids, and graded rollouts of some of them. */
export interface RlEnv {
  train: string[];
  eval: string[];
  /** Runs the missing rollouts of `taskIds` and returns every record of the batch. */
  run(taskIds: string[], o: EnvRun): Promise<RolloutRecord[]>;
}

/** Harness limits of an RL rollout. */
export interface GymEnvOptions {
  sandbox: 'bwrap' | 'none';
  maxTurns: number;
  /** Harness token budget (prompt + completion summed over turns). */
  maxTokens: number;
  timeoutMs: number;
  /** Episodes at once (generation overlaps sandbox work). */
  concurrency: number;
  /** Host paths the agent must not see (the run's own output, for one). */
  hidePaths: string[];
  /** `key=value` task filters applied to both splits (e.g. stage=1). @default [] */
  filter?: string[];
}

async function load(path: string, filter: string[]): Promise<GymTask[]> {
  try {
    return await loadGymTasks(resolve(path), parseFilter(filter));
  } catch (e) {
    throw new StageInputError((e as Error).message);
  }
}

/**
 * The gym environment: train-split tasks of `tasksPath`, held-out tasks from the eval split
 * of `heldoutPath` (default: the same file). Both must be there.
 */
export async function gymEnv(
  tasksPath: string,
  o: GymEnvOptions,
  heldoutPath?: string,
): Promise<RlEnv> {
  const tasks = await load(tasksPath, o.filter ?? []);
  const train = tasks.filter((t) => t.task.split === 'train');
  const heldTasks = heldoutPath ? await load(heldoutPath, o.filter ?? []) : tasks;
  const held = heldTasks.filter((t) => t.task.split === 'eval');
  const flag = heldoutPath ? `--heldout ${heldoutPath}` : `--tasks ${tasksPath}`;
  const matching = o.filter?.length ? ` matching ${o.filter.join(' ')}` : '';
  if (held.length === 0)
    throw new StageInputError(
      `${flag}: no eval-split tasks${matching} (the held-out resolved rate that picks the best checkpoint needs them)`,
    );
  if (train.length === 0)
    throw new StageInputError(`--tasks ${tasksPath}: no train-split tasks${matching}`);
  const byId = new Map([...tasks, ...heldTasks].map((t) => [t.task.id, t]));
  const sidecars = [tasksPath, ...(heldoutPath ? [heldoutPath] : [])]
    .flatMap((f) => ['', '-wal', '-shm', '-journal'].map((x) => resolve(f) + x))
    .filter((p) => existsSync(p));
  return {
    train: train.map((t) => t.task.id),
    eval: held.map((t) => t.task.id),
    async run(ids, r) {
      const batch = ids.map((id) => byId.get(id) as GymTask);
      await runRollouts(batch, {
        outDir: r.outDir,
        n: r.n,
        concurrency: o.concurrency,
        seed: r.seed,
        makeModel: (gt, k, seed) => r.makeModel(gt.task.id, k, seed),
        episode: {
          sandbox: o.sandbox,
          hidePaths: [...o.hidePaths, ...sidecars],
          agent: { maxTurns: o.maxTurns, maxTokens: o.maxTokens, timeoutMs: o.timeoutMs },
          reward: { tokenCostPer1k: r.tokenCostPer1k },
        } satisfies Partial<EpisodeOptions>,
        config: { model: 'local:rl-policy', tokenCostPer1k: r.tokenCostPer1k },
      });
      const keep = new Set(ids);
      return (await readRecords(r.outDir)).filter((x) => keep.has(x.taskId));
    },
  };
}

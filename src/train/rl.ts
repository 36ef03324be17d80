// Stage 5, RL inside the unchanged harness. Each step: pick tasks near the policy's
// frontier, run G rollouts per task (the gym's harness + sandbox + hidden-test grade),
// reward = resolved - optional token cost on resolved rollouts, leave-one-out advantages,
// limit-cut rollouts masked, groups without variance dropped, one clipped-ratio PG step on
// the exact sampled ids. Held-out resolved rate every few steps picks the best checkpoint.
//
//   OUT/manifest.json, OUT/metrics.jsonl, OUT/ckpt/   the layout every stage shares (stage.ts)
//   OUT/best/              best checkpoint by held-out resolved rate (+ best.json)
//   OUT/rl-state.json      frontier estimates, counters; .prev.json is the one before
//   OUT/rollouts/step-N/   the step's graded rollouts (a resumed step reuses them)
//   OUT/eval/step-N/       held-out rollouts
//
// Resume after kill -9: the state is written before the checkpoint it belongs to, the
// previous state kept; a restart takes the newest state whose optimizer step matches the
// checkpoint and redoes the step after it with the same seeds, reusing finished rollouts.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { makeManifest } from '../gym/manifest.js';
import type { RolloutRecord } from '../gym/rollout.js';
import { type LoadedModel, loadCheckpoint, loadTrainState } from '../lm/checkpoint.js';
import { GenerationWorker } from '../lm/generate-worker.js';
import { Trainer } from '../lm/trainer.js';
import type { AssistantMessage } from '../messages.js';
import { localModelFrom } from '../providers/local.js';
import { atomicWrite, Progress } from './progress.js';
import { gymEnv, type RlEnv } from './rl-env.js';
import { Frontier } from './rl-frontier.js';
import { buildGroups, type CutRule, emptyReport, fromRecord, groupRows } from './rl-groups.js';
import { type StepFigures, stepFigures } from './rl-metrics.js';
import { GroupSampler } from './rl-sampler.js';
import { fromTeacher, startedModel, teacherStarts } from './rl-start.js';
import { type RlState, recoverBest, saveBest, stateFor, writeState } from './rl-state.js';
import { rlUpdate } from './rl-update.js';
import {
  readStageManifest,
  recoverSwap,
  resolveCheckpoint,
  StageInputError,
  type StageResult,
  saveStageCheckpoint,
  truncateMetrics,
} from './stage.js';

/** RL settings (CLI flags map one to one). */
export interface RlConfig {
  /** Checkpoint (or stage output dir) to start from. */
  from: string;
  /** Task store or JSONL with train- and eval-split tasks. */
  tasks: string;
  /** Stage output directory. */
  out: string;
  /** Task store whose eval split gives the held-out tasks. @default the eval split of `tasks` */
  heldout?: string;
  /** `key=value` filters on tasks of both splits, e.g. `stage=1`. @default [] */
  filter?: string[];
  /** RL steps. @default 20 */
  steps: number;
  /** Rollouts per task (G). @default 8 */
  group: number;
  /** Tasks per step. @default 4 */
  tasksPerStep: number;
  /** Reward per 1,000 tokens taken from resolved rollouts (capped at 0.5). @default 0 */
  tokenCost: number;
  /** Harness turn limit per rollout (cut rollouts are masked, see `cut`). @default 8 */
  maxTurns: number;
  /** Harness token budget per rollout, prompt + completion over all turns. @default 200000 */
  maxTokens: number;
  /** Wall-clock limit per rollout, seconds. @default 300 */
  timeout: number;
  /** Most completion tokens per model call. @default 256 */
  callTokens: number;
  /** Learning rate (constant). @default 3e-4 */
  lr: number;
  /** Importance-ratio clip range, below and above 1 (clip-higher). @default 0.2, 0.28 */
  clipLow: number;
  clipHigh: number;
  /** Held-out evaluation every this many steps (and at the start and end). @default 5 */
  evalEvery: number;
  /** Held-out tasks evaluated (the first N of the eval split). @default 16 */
  evalTasks: number;
  /** Steps an always/never-solved task stays aside before it is revisited. @default 5 */
  revisitAfter: number;
  /** Episodes at once. @default 2 */
  concurrency: number;
  /** @default 'bwrap' */
  sandbox: 'bwrap' | 'none';
  /** Seeds task order and sampling. @default 0 */
  seed: number;
  /**
   * Teacher rollout run directory: train rollouts start after the teacher's turns before
   * its first edit (rl-start.ts). @default undefined (every rollout from the first turn)
   */
  teacherStart?: string;
  /** With teacherStart: the policy takes over this many teacher turns earlier. @default 0 */
  teacherBack: number;
  /** Unresolved rollouts cut by a limit: masked, or failures with reward 0 (rl-groups.ts). @default 'mask' */
  cut: CutRule;
  /**
   * With teacherStart: the share of a step's tasks that start after the teacher's turns (the
   * rest start from the first turn, as held-out tasks do); chosen per task and step. @default 1
   */
  teacherFraction: number;
  /** Scale of negative advantages (0: train only rollouts above their group's mean). @default 1 */
  negWeight: number;
  /** Weight of a KL(policy || start checkpoint) anchor on trained tokens (k3). @default 0 */
  kl: number;
}

export const RL_DEFAULTS: Omit<RlConfig, 'from' | 'tasks' | 'out'> = {
  steps: 20,
  group: 8,
  tasksPerStep: 4,
  tokenCost: 0,
  maxTurns: 8,
  maxTokens: 200_000,
  timeout: 300,
  callTokens: 256,
  lr: 3e-4,
  clipLow: 0.2,
  clipHigh: 0.28,
  evalEvery: 5,
  evalTasks: 16,
  revisitAfter: 5,
  concurrency: 2,
  sandbox: 'bwrap',
  seed: 0,
  teacherBack: 0,
  cut: 'mask',
  teacherFraction: 1,
  negWeight: 1,
  kl: 0,
};

export interface RlOptions {
  /** The environment; default: the gym over `config.tasks`. */
  env?: RlEnv;
  log?: (line: string) => void;
  /** Stop (as if killed) after this many steps of this invocation: for tests. */
  stopAfter?: number;
}

function check(cfg: RlConfig): void {
  const pos = ['steps', 'group', 'tasksPerStep', 'maxTurns', 'maxTokens', 'timeout', 'callTokens'];
  for (const k of pos) {
    const v = cfg[k as keyof RlConfig] as number;
    if (!Number.isInteger(v) || v < 1)
      throw new StageInputError(`--${kebab(k)} must be a positive integer, got ${v}`);
  }
  if (cfg.group < 2)
    throw new StageInputError('--group must be at least 2 (advantages are leave-one-out)');
  if (!(cfg.tokenCost >= 0))
    throw new StageInputError(`--token-cost must be >= 0, got ${cfg.tokenCost}`);
  if (!(cfg.lr > 0)) throw new StageInputError(`--lr must be > 0, got ${cfg.lr}`);
  if (cfg.cut !== 'mask' && cfg.cut !== 'fail')
    throw new StageInputError(`--cut must be mask or fail, got "${cfg.cut}"`);
  if (!(cfg.teacherFraction >= 0 && cfg.teacherFraction <= 1))
    throw new StageInputError(`--teacher-fraction must be in [0, 1], got ${cfg.teacherFraction}`);
  if (!(cfg.negWeight >= 0))
    throw new StageInputError(`--neg-weight must be >= 0, got ${cfg.negWeight}`);
  if (!(cfg.kl >= 0)) throw new StageInputError(`--kl must be >= 0, got ${cfg.kl}`);
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Loads the starting checkpoint; a missing tokenizer or config is a one-line user error. */
function loadFrom(p: string): { dir: string; model: LoadedModel } {
  const dir = resolveCheckpoint(p);
  if (!existsSync(join(dir, 'tokenizer.json')))
    throw new StageInputError(
      `--from ${dir}: no tokenizer.json (RL samples through the chat template, which needs it)`,
    );
  try {
    return { dir, model: loadCheckpoint(dir) };
  } catch (e) {
    throw new StageInputError(`--from ${(e as Error).message}`);
  }
}

/** Runs (or resumes, or skips when complete) the RL stage. */
export async function runRl(
  config: Partial<RlConfig> & Pick<RlConfig, 'from' | 'tasks' | 'out'>,
  opts: RlOptions = {},
): Promise<StageResult> {
  const cfg: RlConfig = { ...RL_DEFAULTS, ...config, out: resolve(config.out) };
  check(cfg);
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const out = cfg.out;
  mkdirSync(out, { recursive: true });
  recoverSwap(out);
  recoverBest(out);
  const prior = readStageManifest(out);
  if (prior && prior.stage !== 'rl')
    throw new StageInputError(`${out}: holds stage ${prior.stage}, not rl (choose another --out)`);
  const bestDir = join(out, 'best');
  if (prior?.complete && existsSync(join(out, 'ckpt', 'config.json')))
    return {
      stage: 'rl',
      checkpoint: existsSync(bestDir) ? bestDir : join(out, 'ckpt'),
      metrics: prior.result ?? {},
      skipped: true,
    };
  const resuming = prior !== null && existsSync(join(out, 'ckpt', 'config.json'));
  const { dir: src, model } = resuming
    ? { dir: join(out, 'ckpt'), model: loadCheckpoint(join(out, 'ckpt')) }
    : loadFrom(cfg.from);
  const env =
    opts.env ??
    (await gymEnv(
      cfg.tasks,
      {
        sandbox: cfg.sandbox,
        maxTurns: cfg.maxTurns,
        maxTokens: cfg.maxTokens,
        timeoutMs: cfg.timeout * 1000,
        concurrency: cfg.concurrency,
        hidePaths: [out, resolve(cfg.tasks)],
        filter: cfg.filter,
      },
      cfg.heldout,
    ));
  const trainState = resuming ? loadTrainState(src, model.paramSet.flat.length) : null;
  const tr = new Trainer(
    model,
    {
      seed: cfg.seed,
      optim: trainState
        ? {}
        : { lr: cfg.lr, warmupSteps: 0, totalSteps: 1, minLrFrac: 1, weightDecay: 0 },
    },
    trainState,
  );
  let st: RlState;
  if (resuming) {
    const s = stateFor(out, tr.step);
    if (!s)
      throw new StageInputError(
        `${out}: no RL state matches its checkpoint (delete the directory to start over)`,
      );
    st = s;
    truncateMetrics(out, st.rlStep);
  } else {
    st = {
      rlStep: 0,
      optStep: 0,
      tokens: 0,
      frontier: {},
      best: null,
      lastHeldout: null,
      elapsed: 0,
    };
    const m = {
      ...makeManifest('train.rl', cfg.seed, { ...cfg }),
      stage: 'rl',
      from: src,
      data: { train_tasks: env.train.length, eval_tasks: env.eval.length },
      complete: false,
    };
    atomicWrite(join(out, 'manifest.json'), `${JSON.stringify(m, null, 2)}\n`);
    atomicWrite(join(out, 'metrics.jsonl'), '');
  }
  const frontier = new Frontier(env.train, st.frontier, { revisitAfter: cfg.revisitAfter });
  const starts = cfg.teacherStart
    ? await teacherStarts(resolve(cfg.teacherStart), cfg.teacherBack)
    : new Map<string, AssistantMessage[]>();
  if (cfg.teacherStart)
    log(
      `rl: ${starts.size} train tasks start after the teacher's turns (${cfg.teacherBack} before its first edit)`,
    );
  const evalIds = env.eval.slice(0, cfg.evalTasks);
  // The KL anchor's reference is the start checkpoint, also when a run resumes.
  const ref = cfg.kl > 0 ? loadFrom(cfg.from).model.paramSet : undefined;
  // One generation thread for the live policy, shared by every rollout (it re-syncs the
  // weights after each update); generation does not block the harness's event loop.
  const gen = new GenerationWorker(model);
  try {
    return await loop();
  } finally {
    await gen.close();
  }

  async function loop(): Promise<StageResult> {
    // Rollouts sample at temperature 1, no top-p: the logprobs are the policy's own, which
    // the ratio needs. Held-out runs are greedy, as `loopsmith eval` scores checkpoints.
    const policy =
      (tag: string, temperature = 1, group?: GroupSampler, step = 0) =>
      (taskId: string, k: number, seed: number) => {
        const m = localModelFrom(model, `local:rl-${tag}`, {
          temperature,
          topP: 1,
          maxTokens: cfg.callTokens,
          seed,
          worker: gen,
          ...(group ? { generate: group.hook(taskId, k) } : {}),
        });
        // Only train rollouts (those with a group) may start after the teacher's turns; the
        // whole group alike, so its rollouts compare from one state.
        const teacher = group && fromTeacher(taskId, step, cfg.seed, cfg.teacherFraction);
        const prefix = teacher ? starts.get(taskId) : undefined;
        return prefix ? startedModel(prefix, m) : m;
      };
    const heldout = async (step: number): Promise<number> => {
      const recs = await env.run(evalIds, {
        outDir: join(out, 'eval', `step-${step}`),
        n: 1,
        seed: cfg.seed + 7919,
        makeModel: policy(`eval-${step}`, 0),
        tokenCostPer1k: 0,
      });
      return recs.filter((r) => fromRecord(r).resolved).length / Math.max(1, recs.length);
    };
    if (!resuming || st.best === null) {
      const r0 = await heldout(0);
      st.best = { step: 0, resolved: r0 };
      st.lastHeldout = r0;
      saveBest(out, model, st.best);
      log(`rl: from ${src}, held-out resolved ${fmtPct(r0)} on ${evalIds.length} eval tasks`);
    } else log(`rl: resuming after step ${st.rlStep}`);

    const bar = new Progress('rl', cfg.steps, st.rlStep);
    let ran = 0;
    let last: StepFigures | null = null;
    while (st.rlStep < cfg.steps) {
      if (opts.stopAfter !== undefined && ran >= opts.stopAfter) break;
      const step = st.rlStep + 1;
      const tStep = performance.now();
      const ids = frontier.pick(step, cfg.tasksPerStep, cfg.seed);
      const recs: RolloutRecord[] = await env.run(ids, {
        outDir: join(out, 'rollouts', `step-${step}`),
        n: cfg.group,
        seed: cfg.seed * 100_003 + step,
        makeModel: policy(
          `step-${step}`,
          1,
          new GroupSampler(gen, cfg.group, cfg.seed * 100_003 + step),
          step,
        ),
        tokenCostPer1k: cfg.tokenCost,
      });
      const tRoll = performance.now();
      const rollouts = recs.map((r) => fromRecord(r, cfg.cut));
      const groups = buildGroups(rollouts);
      for (const g of groups)
        frontier.record(
          g.taskId,
          g.rollouts.filter((r) => !r.masked).map((r) => r.resolved),
          step,
        );
      const report = emptyReport();
      const rows = groupRows(groups, report, cfg.negWeight);
      const u = rlUpdate(tr, rows, { low: cfg.clipLow, high: cfg.clipHigh, klBeta: cfg.kl }, ref);
      const fig = stepFigures(step, recs, groups, u, report, {
        rolloutWallMs: tRoll - tStep,
        aside: frontier.aside(step),
        teacherStarted: ids.filter(
          (id) => starts.has(id) && fromTeacher(id, step, cfg.seed, cfg.teacherFraction),
        ).length,
      });
      st.tokens += u.tokens;
      if (step % cfg.evalEvery === 0 || step === cfg.steps) {
        const h = await heldout(step);
        fig.heldout_resolved = round(h);
        st.lastHeldout = h;
        if (st.best === null || h > st.best.resolved) {
          st.best = { step, resolved: h };
          saveBest(out, model, st.best);
        }
      }
      fig.step_s = round((performance.now() - tStep) / 1000);
      st.rlStep = step;
      st.optStep = tr.step;
      st.frontier = frontier.stats;
      st.elapsed += (performance.now() - tStep) / 1000;
      // State first, then the checkpoint it belongs to (see the header).
      writeState(out, st);
      if (u.updated || !existsSync(join(out, 'ckpt', 'config.json'))) saveStageCheckpoint(out, tr);
      writeFileSync(
        join(out, 'metrics.jsonl'),
        `${JSON.stringify({ ...fig, tokens: st.tokens, elapsed_s: round(st.elapsed) })}\n`,
        { flag: 'a' },
      );
      last = fig;
      ran++;
      bar.tick(
        step,
        `reward ${fig.reward_mean.toFixed(2)} resolved ${fmtPct(fig.resolved_rate)} kept ${fig.groups_kept}/${groups.length}`,
      );
    }
    bar.done();
    const ckpt = join(out, 'ckpt');
    if (st.rlStep < cfg.steps)
      return { stage: 'rl', checkpoint: ckpt, metrics: {}, skipped: false };
    const result = {
      steps: st.rlStep,
      updates: tr.step,
      tokens: st.tokens,
      best_step: st.best?.step ?? null,
      best_heldout_resolved: st.best ? round(st.best.resolved) : null,
      final_heldout_resolved: st.lastHeldout === null ? null : round(st.lastHeldout),
      last_reward_mean: last ? last.reward_mean : null,
      wall_s: round(st.elapsed),
      train_tasks: env.train.length,
      eval_tasks: evalIds.length,
    };
    const m = readStageManifest(out);
    atomicWrite(
      join(out, 'manifest.json'),
      `${JSON.stringify({ ...m, complete: true, result }, null, 2)}\n`,
    );
    return { stage: 'rl', checkpoint: bestDir, metrics: result, skipped: false };
  }
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;
const fmtPct = (x: number) => `${(100 * x).toFixed(1)}%`;

// What every training stage shares: its output layout, the manifest, the metrics JSONL,
// held-out loss, crash-safe checkpoints and exact resume after kill -9.
//
//   OUT/manifest.json    stage, config, seed, data hashes, version, git sha, complete flag
//   OUT/metrics.jsonl    one line per optimizer step (+ held-out loss every evalEvery steps)
//   OUT/ckpt/            the checkpoint (config, weights, tokenizer, optimizer, state)
//
// A checkpoint is written to OUT/ckpt.saving and swapped in by renames, so a kill at any
// moment leaves either the previous or the new checkpoint, never half of one. Data order
// comes from the trainer's RNG, which the checkpoint carries: a resumed run draws the same
// batches an uninterrupted run would have, so both end with the same weights.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Manifest, makeManifest } from '../gym/manifest.js';
import { allocActs } from '../lm/acts.js';
import type { Batch } from '../lm/batch.js';
import {
  type LoadedModel,
  loadCheckpoint,
  loadTrainState,
  saveCheckpoint,
} from '../lm/checkpoint.js';
import { netFor } from '../lm/engine.js';
import { forward } from '../lm/network.js';
import type { OptimConfig } from '../lm/optim.js';
import type { Rng } from '../lm/rng.js';
import { Trainer } from '../lm/trainer.js';
import { atomicWrite, Progress } from './progress.js';

/** The recipe's stages, in order. */
export const STAGES = ['induction', 'pretrain', 'midtrain', 'sft', 'mid2', 'rl'] as const;
export type StageName = (typeof STAGES)[number];

/** A user error in a stage's input (bad flag, missing file): the CLI prints it in one line, exit 2. */
export class StageInputError extends Error {}

/** Settings every supervised stage takes. */
export interface TrainConfig {
  /** Checkpoint (or stage output dir) to start from. */
  from: string;
  /** Stage output directory. */
  out: string;
  /** Optimizer steps of this stage. @default 200 */
  steps: number;
  /** Rows per micro-batch. @default 8 */
  batch: number;
  /** Tokens per row (capped by the model's context). @default 512 */
  seq: number;
  /** Micro-batches per optimizer step. @default 1 */
  accum: number;
  /** Peak learning rate. @default 3e-3 */
  lr: number;
  /** Warmup steps. @default 20 */
  warmup: number;
  /** Held-out loss every this many steps (and at the end). @default 50 */
  evalEvery: number;
  /** Checkpoint every this many steps (and at the end). @default 50 */
  saveEvery: number;
  /** Data-order seed. @default 0 */
  seed: number;
  /** Keep a copy of the weights every this many steps in OUT/snapshots/step-N (0 = none), for learning curves. @default 0 */
  snapshotEvery?: number;
}

export const TRAIN_DEFAULTS: Omit<TrainConfig, 'from' | 'out'> = {
  steps: 200,
  batch: 8,
  seq: 512,
  accum: 1,
  lr: 3e-3,
  warmup: 20,
  evalEvery: 50,
  saveEvery: 50,
  seed: 0,
};

/** One metrics.jsonl line. */
export interface MetricsLine {
  stage: StageName;
  step: number;
  /** Loss-bearing tokens seen so far in this stage. */
  tokens: number;
  train_loss: number;
  heldout_loss?: number;
  lr: number;
  tokens_per_s: number;
  elapsed_s: number;
}

/** What a stage returns. */
export interface StageResult {
  stage: StageName;
  /** Directory of the final checkpoint (OUT/ckpt). */
  checkpoint: string;
  /** Final figures: steps, tokens, losses, wall time, plus stage-specific data counts. */
  metrics: Record<string, number | string | null>;
  /** True when the output was already complete and nothing ran. */
  skipped: boolean;
}

/** The stage-specific part of a run: how to draw a training batch and which batches are held out. */
export interface StageData {
  /**
   * A training micro-batch drawn with the trainer's RNG (the only randomness allowed); `step`
   * is the optimizer step it is for (restored on resume), for data that changes over a stage.
   */
  next(rng: Rng, B: number, T: number, step: number): Batch;
  /** Fixed held-out batches (never trained on). */
  heldout: Batch[];
  /** Counts and hashes recorded in the manifest (tokens, conversations, dropped...). */
  info: Record<string, number | string>;
}

/** A checkpoint directory: `p` itself, or `p/ckpt` for a stage output directory. */
export function resolveCheckpoint(p: string): string {
  if (existsSync(join(p, 'config.json'))) return p;
  if (existsSync(join(p, 'ckpt', 'config.json'))) return join(p, 'ckpt');
  throw new StageInputError(`${p}: not a checkpoint (no config.json, no ckpt/config.json)`);
}

/** sha256 of a file or string, short. */
export function hashOf(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 16);
}

interface StageManifest extends Manifest {
  stage: StageName;
  from: string;
  data: Record<string, number | string>;
  complete: boolean;
  result?: Record<string, number | string | null>;
}

const manifestPath = (out: string) => join(out, 'manifest.json');

/** The manifest of a stage output, or null. */
export function readStageManifest(out: string): StageManifest | null {
  const p = manifestPath(out);
  if (!existsSync(p)) return null;
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as StageManifest;
  } catch {
    throw new StageInputError(`${p}: not valid JSON (delete the directory to start over)`);
  }
}

/** True when OUT holds a finished stage. */
export function stageComplete(out: string): boolean {
  return readStageManifest(out)?.complete === true && existsSync(join(out, 'ckpt', 'config.json'));
}

/** Finishes an interrupted checkpoint swap: the complete `.saving` copy wins over a missing one. */
export function recoverSwap(out: string): void {
  const ck = join(out, 'ckpt');
  const saving = join(out, 'ckpt.saving');
  const old = join(out, 'ckpt.old');
  if (!existsSync(ck) && existsSync(join(saving, 'COMPLETE'))) renameSync(saving, ck);
  if (!existsSync(ck) && existsSync(old)) renameSync(old, ck);
  rmSync(saving, { recursive: true, force: true });
  rmSync(old, { recursive: true, force: true });
}

/** Saves the trainer's checkpoint crash-safely to OUT/ckpt. */
export function saveStageCheckpoint(out: string, tr: Trainer): void {
  const ck = join(out, 'ckpt');
  const saving = join(out, 'ckpt.saving');
  const old = join(out, 'ckpt.old');
  rmSync(saving, { recursive: true, force: true });
  tr.save(saving);
  writeFileSync(join(saving, 'COMPLETE'), '');
  if (existsSync(ck)) renameSync(ck, old);
  renameSync(saving, ck);
  rmSync(old, { recursive: true, force: true });
}

/** Keeps only metrics lines at or before `step` (lines after the last checkpoint are replayed). */
export function truncateMetrics(out: string, step: number): void {
  const p = join(out, 'metrics.jsonl');
  if (!existsSync(p)) return;
  const keep = readFileSync(p, 'utf8')
    .split('\n')
    .filter((l) => {
      if (!l.trim()) return false;
      try {
        return (JSON.parse(l) as MetricsLine).step <= step;
      } catch {
        return false; // a line cut by the kill
      }
    });
  atomicWrite(p, keep.map((l) => `${l}\n`).join(''));
}

/** Mean weighted cross-entropy of the model on batches (forward only). */
export function heldoutLoss(model: LoadedModel, batches: Batch[]): number {
  let sum = 0;
  let weight = 0;
  const V = model.config.vocabSize;
  for (const b of batches) {
    const a = allocActs(model.config, b.B, b.T, false);
    forward(netFor(model), model.paramSet, a, b.ids);
    for (let i = 0; i < b.B * b.T; i++) {
      const w = b.weights[i];
      if (w === 0) continue;
      const row = a.logits.subarray(i * V, (i + 1) * V);
      let max = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < V; j++) if (row[j] > max) max = row[j];
      let s = 0;
      for (let j = 0; j < V; j++) s += Math.exp(row[j] - max);
      sum += w * (max + Math.log(s) - row[b.targets[i]]);
      weight += w;
    }
  }
  return weight > 0 ? sum / weight : Number.NaN;
}

/** Options of runTraining beyond the config. */
export interface RunOptions {
  stage: StageName;
  cfg: TrainConfig;
  /** Builds the data once the model (and its tokenizer) is loaded. */
  data: (model: LoadedModel) => StageData;
  /** Extra optimizer settings. */
  optim?: Partial<OptimConfig>;
  /** Progress lines (stderr by default). */
  log?: (line: string) => void;
  /** Stop (as if killed) after this many steps of this invocation: for resume tests. */
  stopAfter?: number;
}

/**
 * Trains one stage: resumes OUT when it holds an unfinished run of the same stage, skips it
 * when complete, else starts from `from` with a fresh optimizer and schedule.
 */
export function runTraining(o: RunOptions): StageResult {
  const { cfg, stage } = o;
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  mkdirSync(cfg.out, { recursive: true });
  recoverSwap(cfg.out);
  const prior = readStageManifest(cfg.out);
  if (prior && prior.stage !== stage)
    throw new StageInputError(
      `${cfg.out}: holds stage ${prior.stage}, not ${stage} (choose another --out)`,
    );
  const from = resolveCheckpoint(cfg.from);
  if (prior && prior.from !== from)
    throw new StageInputError(
      `${cfg.out}: holds a ${stage} run from ${prior.from}, not from ${from} (choose another --out)`,
    );
  if (prior?.complete && existsSync(join(cfg.out, 'ckpt', 'config.json')))
    return {
      stage,
      checkpoint: join(cfg.out, 'ckpt'),
      metrics: prior.result ?? {},
      skipped: true,
    };
  const resuming = existsSync(join(cfg.out, 'ckpt', 'state.json')) && prior !== null;
  if (resuming) {
    // Resuming with another starting point would mix two runs; a changed tokenizer would make
    // the saved weights meaningless for the data.
    const tokA = readFileSync(join(from, 'tokenizer.json'), 'utf8');
    const tokB = readFileSync(join(cfg.out, 'ckpt', 'tokenizer.json'), 'utf8');
    if (tokA !== tokB)
      throw new StageInputError(
        `${join(from, 'tokenizer.json')}: another tokenizer than the one ${cfg.out} was trained with (use a new --out)`,
      );
  }
  const src = resuming ? join(cfg.out, 'ckpt') : from;
  const model = loadCheckpoint(src);
  const T = Math.min(cfg.seq, model.config.maxSeqLen);
  const data = o.data(model);
  const state = resuming ? loadTrainState(src, model.paramSet.flat.length) : null;
  const tr = new Trainer(
    model,
    {
      seed: cfg.seed,
      optim: state
        ? {}
        : { lr: cfg.lr, warmupSteps: cfg.warmup, totalSteps: cfg.steps, ...o.optim },
    },
    state,
  );
  if (!resuming) {
    const m: StageManifest = {
      ...makeManifest(`train.${stage}`, cfg.seed, { ...cfg, seq: T }),
      stage,
      from: src,
      data: data.info,
      complete: false,
    };
    atomicWrite(manifestPath(cfg.out), `${JSON.stringify(m, null, 2)}\n`);
    atomicWrite(join(cfg.out, 'metrics.jsonl'), '');
  } else truncateMetrics(cfg.out, tr.step);
  const prevTokens = lastTokens(cfg.out);
  log(
    `${stage}: ${resuming ? `resuming at step ${tr.step}` : `from ${src}`}, ${cfg.steps} steps of ${cfg.accum}x${cfg.batch}x${T} tokens, ${data.heldout.length} held-out batches`,
  );
  const bar = new Progress(stage, cfg.steps, tr.step);
  let tokens = prevTokens;
  let lastLoss = Number.NaN;
  let lastHeld: number | undefined;
  const t0 = performance.now();
  let ran = 0;
  while (tr.step < cfg.steps) {
    if (o.stopAfter !== undefined && ran >= o.stopAfter) break;
    const micro = Array.from({ length: cfg.accum }, () => data.next(tr.rng, cfg.batch, T, tr.step));
    const s = tr.trainStep(micro);
    ran++;
    tokens += s.tokens;
    lastLoss = s.loss;
    const el = (performance.now() - t0) / 1000;
    const line: MetricsLine = {
      stage,
      step: tr.step,
      tokens,
      train_loss: round(s.loss),
      lr: s.lr,
      tokens_per_s: Math.round((ran * cfg.accum * cfg.batch * T) / el),
      elapsed_s: round(el),
    };
    if (tr.step % cfg.evalEvery === 0 || tr.step === cfg.steps) {
      lastHeld = heldoutLoss(model, data.heldout);
      line.heldout_loss = round(lastHeld);
    }
    if (tr.step % cfg.saveEvery === 0 || tr.step === cfg.steps) saveStageCheckpoint(cfg.out, tr);
    if (cfg.snapshotEvery && (tr.step % cfg.snapshotEvery === 0 || tr.step === cfg.steps))
      saveSnapshot(cfg.out, model, tr.step, tokens);
    // The metrics line goes after the checkpoint it describes, so a resume never repeats one.
    appendLine(join(cfg.out, 'metrics.jsonl'), line);
    bar.tick(
      tr.step,
      `loss ${s.loss.toFixed(3)}${lastHeld !== undefined ? ` held ${lastHeld.toFixed(3)}` : ''}`,
    );
  }
  bar.done();
  if (tr.step < cfg.steps)
    return { stage, checkpoint: join(cfg.out, 'ckpt'), metrics: {}, skipped: false };
  if (!existsSync(join(cfg.out, 'ckpt', 'config.json'))) saveStageCheckpoint(cfg.out, tr);
  // Data counts first: a dataset's own `tokens` must not hide the tokens trained.
  const result = {
    ...data.info,
    data_tokens: data.info.tokens ?? null,
    steps: tr.step,
    tokens,
    train_loss: round(lastLoss),
    heldout_loss:
      lastHeld === undefined ? round(heldoutLoss(model, data.heldout)) : round(lastHeld),
    wall_s: round(wallSeconds(cfg.out)),
  };
  const m = readStageManifest(cfg.out) as StageManifest;
  atomicWrite(
    manifestPath(cfg.out),
    `${JSON.stringify({ ...m, complete: true, result }, null, 2)}\n`,
  );
  return { stage, checkpoint: join(cfg.out, 'ckpt'), metrics: result, skipped: false };
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

/** Weights only (no optimizer state), written whole before the directory gets its name. */
function saveSnapshot(out: string, model: LoadedModel, step: number, tokens: number): void {
  const dir = join(out, 'snapshots', `step-${String(step).padStart(6, '0')}`);
  if (existsSync(dir)) return;
  const tmp = `${dir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  saveCheckpoint(tmp, model);
  writeFileSync(join(tmp, 'snapshot.json'), JSON.stringify({ step, tokens }));
  renameSync(tmp, dir);
}

function appendLine(p: string, line: MetricsLine): void {
  writeFileSync(p, `${JSON.stringify(line)}\n`, { flag: 'a' });
}

function readMetrics(out: string): MetricsLine[] {
  const p = join(out, 'metrics.jsonl');
  if (!existsSync(p)) return [];
  return readFileSync(p, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as MetricsLine);
}

function lastTokens(out: string): number {
  const m = readMetrics(out);
  return m.length > 0 ? m[m.length - 1].tokens : 0;
}

/** Training wall time summed over invocations (elapsed_s restarts at each resume). */
function wallSeconds(out: string): number {
  let total = 0;
  let prev = 0;
  for (const l of readMetrics(out)) {
    if (l.elapsed_s < prev) total += prev;
    prev = l.elapsed_s;
  }
  return total + prev;
}

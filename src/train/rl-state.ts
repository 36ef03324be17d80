// What an RL run keeps beside its checkpoint for an exact resume: the frontier estimates
// and counters (written before the checkpoint they belong to, the previous one kept), and
// the best checkpoint by held-out resolved rate, swapped in by renames like OUT/ckpt.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type LoadedModel, saveCheckpoint } from '../lm/checkpoint.js';
import { atomicWrite } from './progress.js';
import type { TaskStat } from './rl-frontier.js';

export interface RlState {
  rlStep: number;
  /** Optimizer steps taken (the checkpoint this state belongs to). */
  optStep: number;
  tokens: number;
  frontier: Record<string, TaskStat>;
  best: { step: number; resolved: number } | null;
  lastHeldout: number | null;
  elapsed: number;
}

const statePath = (out: string) => join(out, 'rl-state.json');
const prevPath = (out: string) => join(out, 'rl-state.prev.json');

function readJson<T>(p: string): T | null {
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** The newest saved state that belongs to the checkpoint at `optStep`. */
export function stateFor(out: string, optStep: number): RlState | null {
  for (const p of [statePath(out), prevPath(out)]) {
    const s = readJson<RlState>(p);
    if (s && s.optStep === optStep) return s;
  }
  return null;
}

export function writeState(out: string, s: RlState): void {
  if (existsSync(statePath(out))) renameSync(statePath(out), prevPath(out));
  atomicWrite(statePath(out), `${JSON.stringify(s)}\n`);
}

/** Saves the live weights as OUT/best (swapped in by renames), with its figures. */
export function saveBest(
  out: string,
  model: LoadedModel,
  best: { step: number; resolved: number },
) {
  const dir = join(out, 'best');
  const saving = join(out, 'best.saving');
  const old = join(out, 'best.old');
  rmSync(saving, { recursive: true, force: true });
  saveCheckpoint(saving, model);
  writeFileSync(join(saving, 'best.json'), `${JSON.stringify(best)}\n`);
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(saving, dir);
  rmSync(old, { recursive: true, force: true });
}

export function recoverBest(out: string): void {
  const dir = join(out, 'best');
  const old = join(out, 'best.old');
  if (!existsSync(dir) && existsSync(old)) renameSync(old, dir);
  rmSync(join(out, 'best.saving'), { recursive: true, force: true });
  rmSync(old, { recursive: true, force: true });
}

// Stage 0 of the recipe: induction drills before any code. Short rows of random tokens with
// one span written twice, loss on the second copy only, so the one way to lower the loss is
// to find the span's earlier occurrence by content and copy from it: the attention heads
// that copy (induction heads) form here. The harness loop needs exactly that skill (repeat
// a command, a path, a line the tools showed), and ours did not form it from code: the
// student learned which tool to call but 0% of the arguments it had to copy, and a span
// repeated inside code rows with loss on every token taught nothing in 10M tokens, while
// these drills form the heads in ~1-1.25k steps of 16 x 64 tokens (dev/LOG.md, "train: copying").
import type { LoadedModel } from '../lm/checkpoint.js';
import { Rng } from '../lm/rng.js';
import { rowsToBatch } from './packing.js';
import {
  runTraining,
  type StageData,
  StageInputError,
  type StageResult,
  TRAIN_DEFAULTS,
  type TrainConfig,
} from './stage.js';

/**
 * Rows are short on purpose: at initialisation attention spreads evenly over every earlier
 * position, so the gradient toward the one position worth copying shrinks with the row
 * length; at 512 tokens the heads did not form in 800 steps, at 64 in ~1k.
 */
export const INDUCTION_DEFAULTS: Omit<TrainConfig, 'from' | 'out'> = {
  ...TRAIN_DEFAULTS,
  steps: 2500,
  batch: 16,
  seq: 64,
  lr: 1e-3,
  warmup: 50,
  evalEvery: 250,
  saveEvery: 250,
};

/**
 * An induction drill of n tokens: each token drawn independently (draw), one span of random
 * length written again at a random distance; the mask is 1 only where the next token is
 * predictable by copying (the copy's 2nd token on). Random distances because a fixed one is
 * learned as a positional shortcut that copies nothing else; independent tokens because
 * loss on unpredictable tokens around the copy drowns its gradient (both measured:
 * dev/LOG.md, "train: copying").
 */
export function inductionRow(
  n: number,
  draw: () => number,
  rng: { int(n: number): number },
): { ids: number[]; mask: number[] } {
  if (n < 16) throw new Error(`inductionRow: a row of ${n} tokens is too short (need >= 16)`);
  return spanAgain(Array.from({ length: n }, draw), Math.floor(n / 2), rng);
}

/** Writes one span of 8..maxL tokens of `ids` again later at a random distance; mask on the copy. */
function spanAgain(
  ids: number[],
  maxL: number,
  rng: { int(n: number): number },
): { ids: number[]; mask: number[] } {
  const n = ids.length;
  const L = 8 + rng.int(maxL - 7);
  const a = rng.int(n - 2 * L + 1);
  const b = a + L + rng.int(n - a - 2 * L + 1);
  const mask = new Array<number>(n).fill(0);
  for (let i = 0; i < L; i++) ids[b + i] = ids[a + i] as number;
  for (let i = 1; i < L; i++) mask[b + i] = 1;
  return { ids, mask };
}

/**
 * A row of n tokens that is one random block of floor(n/2) written twice, loss on the second.
 * The distance is fixed, so alone it teaches a positional shortcut (held-out drills at random
 * distances: 15 nats, worse than chance); as the first steps of the stage it forms, at depth
 * 4, the attention that the drills then turn into copying by content: random drills alone
 * were at 3.5 nats after 1,200 steps, 400 of these then 500 drills at 0.18 (dev/LOG.md).
 */
export function textbookRow(n: number, draw: () => number): { ids: number[]; mask: number[] } {
  if (n < 16) throw new Error(`textbookRow: a row of ${n} tokens is too short (need >= 16)`);
  const P = Math.floor(n / 2);
  const block = Array.from({ length: P }, draw);
  const ids = Array.from({ length: n }, (_, i) => block[i % P] as number);
  return { ids, mask: ids.map((_, i) => (i > P ? 1 : 0)) };
}

/**
 * Drill batches: every token drawn uniformly from the tokenizer's ordinary ids; the first
 * `textbookSteps` steps are textbook rows (textbookRow).
 */
export function inductionData(model: LoadedModel, T: number, textbookSteps = 0): StageData {
  if (T < 16) throw new StageInputError(`induction: --seq ${T} is too short (need >= 16)`);
  const n = model.tokenizer.nOrdinary;
  const pad = model.tokenizer.specialId('<|eos|>');
  const draw = (rng: { int(n: number): number }) => () => rng.int(n);
  const heldRng = new Rng(7);
  const held = Array.from({ length: 64 }, () => inductionRow(T + 1, draw(heldRng), heldRng));
  return {
    next: (rng, B, _T, step) =>
      rowsToBatch(
        Array.from({ length: B }, () =>
          step < textbookSteps
            ? textbookRow(T + 1, draw(rng))
            : inductionRow(T + 1, draw(rng), rng),
        ),
        T,
        pad,
      ),
    heldout: [0, 1, 2, 3].map((i) => rowsToBatch(held.slice(i * 16, i * 16 + 16), T, pad)),
    info: { drill_tokens: n, drill_seq: T, textbook_steps: textbookSteps },
  };
}

/**
 * One row of n tokens made of independent drills of DRILL_LEN tokens (the length the heads
 * were formed at), for mixing into the long rows of later stages.
 */
export function drillRows(
  n: number,
  ordinary: number,
  rng: { int(n: number): number },
): { ids: number[]; mask: number[] } {
  const ids: number[] = [];
  const mask: number[] = [];
  while (ids.length < n) {
    const d = inductionRow(DRILL_LEN, () => rng.int(ordinary), rng);
    ids.push(...d.ids);
    mask.push(...d.mask);
  }
  return { ids: ids.slice(0, n), mask: mask.slice(0, n) };
}

const DRILL_LEN = 65;

/**
 * A copy drill in real tokens: a window of n tokens of `src` (code, or a conversation) with
 * one span of 8-64 tokens written again later in the window, loss on the copy only. Drills
 * of independent random tokens form the heads, but there every token is rare, so the
 * previous token alone finds the source; in code "  if (" occurs everywhere and the head
 * must match on several tokens to copy the right line. The formed heads copied 58% of a
 * repeated code span and 84% of an edit's old_string (teacher-forced); 500 steps of these
 * rows took code copy to 80% (dev/LOG.md, "train: copying real tokens").
 */
export function copyRow(
  src: ArrayLike<number>,
  n: number,
  rng: { int(n: number): number },
): { ids: number[]; mask: number[] } {
  if (n < 32 || src.length < n)
    throw new Error(`copyRow: a window of ${n} tokens from ${src.length} (need 32 <= n <= source)`);
  const s = rng.int(src.length - n + 1);
  const ids = Array.from({ length: n }, (_, i) => src[s + i] as number);
  return spanAgain(ids, Math.min(64, Math.floor(n / 2)), rng);
}

export interface InductionConfig extends TrainConfig {
  /** Steps of textbook rows before the drills (textbookRow; deeper models need them). @default 0 */
  textbookSteps: number;
}

/** Runs the induction stage. */
export function runInduction(
  cfg: Partial<InductionConfig> & Pick<TrainConfig, 'from' | 'out'>,
  log?: (l: string) => void,
  stopAfter?: number,
): StageResult {
  const c: InductionConfig = { ...INDUCTION_DEFAULTS, textbookSteps: 0, ...cfg };
  return runTraining({
    stage: 'induction',
    cfg: c,
    // A constant rate after warmup and no weight decay: the heads form abruptly after a
    // plateau (~1-1.25k steps here), and a cosine that has decayed by then postpones the
    // onset past the end (1,500 steps: held-out 5.45 nats with the cosine, 0.45 without);
    // decay pulls the plateau's small query-key signal back toward zero.
    optim: { weightDecay: 0, minLrFrac: 1 },
    data: (m) => inductionData(m, Math.min(c.seq, m.config.maxSeqLen), c.textbookSteps),
    log,
    stopAfter,
  });
}

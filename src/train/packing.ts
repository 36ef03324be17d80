// Variable-length conversations -> fixed-size training rows. Each conversation is one
// rendered chat (ids + loss mask, mask 1 on the tokens to learn). A conversation longer
// than the context is dropped or cut at the end of its last assistant turn that fits;
// the rest are packed first-fit into rows of T+1 tokens (a row predicts T targets), and
// batches draw rows with the trainer's RNG. Packed neighbours see each other through
// causal attention; each conversation starts with <|bos|>, as at inference.
import { type Batch, padRows } from '../lm/batch.js';
import type { Rng } from '../lm/rng.js';

export interface Conversation {
  ids: number[];
  mask: number[];
}

/** What to do with a conversation longer than the context. */
export type OverflowPolicy = 'drop' | 'cut';

export interface PackReport {
  conversations: number;
  rows: number;
  /** Conversations dropped (too long under 'drop', or no assistant turn fits under 'cut'). */
  dropped: number;
  /** Conversations shortened at a turn boundary. */
  cut: number;
  /** Tokens kept / row capacity. */
  fill: number;
  /** Loss-bearing tokens kept. */
  lossTokens: number;
  tokens: number;
}

/** The longest prefix of c (<= n tokens) that ends right after an assistant turn, or null. */
export function cutAtTurn(c: Conversation, n: number): Conversation | null {
  let end = -1;
  for (let i = 1; i < Math.min(n, c.ids.length); i++)
    if (c.mask[i - 1] === 1 && c.mask[i] === 0) end = i;
  if (c.ids.length <= n) return c;
  // An assistant turn that runs to exactly n is also a boundary.
  if (c.mask[n - 1] === 1 && c.mask[n] === 0) end = n;
  // Every token learned (transcripts in midtraining): any position is a boundary.
  if (end < 0 && c.mask.slice(1, n).every((m) => m === 1)) end = n;
  return end > 0 ? { ids: c.ids.slice(0, end), mask: c.mask.slice(0, end) } : null;
}

/** Packs conversations (in the given order) into rows of at most T+1 tokens. */
export function pack(
  convs: Conversation[],
  T: number,
  policy: OverflowPolicy,
): { rows: Conversation[]; report: PackReport } {
  const cap = T + 1;
  const rows: Conversation[] = [];
  const report: PackReport = {
    conversations: convs.length,
    rows: 0,
    dropped: 0,
    cut: 0,
    fill: 0,
    lossTokens: 0,
    tokens: 0,
  };
  for (const c0 of convs) {
    if (c0.ids.length !== c0.mask.length)
      throw new Error(`pack: ids (${c0.ids.length}) and mask (${c0.mask.length}) differ`);
    let c: Conversation | null = c0;
    if (c0.ids.length > cap) {
      c = policy === 'cut' ? cutAtTurn(c0, cap) : null;
      if (c) report.cut++;
    }
    if (!c?.mask.includes(1)) {
      report.dropped++;
      continue;
    }
    // First fit over the open rows keeps rows full without reordering the data much.
    let row = rows.find((r) => r.ids.length + (c as Conversation).ids.length <= cap);
    if (!row) {
      row = { ids: [], mask: [] };
      rows.push(row);
    }
    row.ids.push(...c.ids);
    // The first token of a conversation is never a target of the one before it.
    row.mask.push(0, ...c.mask.slice(1));
    report.tokens += c.ids.length;
    for (const m of c.mask) report.lossTokens += m;
  }
  report.rows = rows.length;
  report.fill = rows.length > 0 ? report.tokens / (rows.length * cap) : 0;
  return { rows, report };
}

/** A right-padded batch of rows: position t predicts ids[t+1] with weight mask[t+1] (the engine's padRows). */
export function rowsToBatch(rows: Conversation[], T: number, padId: number): Batch {
  return padRows(rows, T, padId);
}

/** B rows drawn uniformly (with replacement) by rng. */
export function sampleRows(
  rows: Conversation[],
  B: number,
  T: number,
  padId: number,
  rng: Rng,
): Batch {
  if (rows.length === 0) throw new Error('no training rows (empty dataset after packing)');
  return rowsToBatch(
    Array.from({ length: B }, () => rows[rng.int(rows.length)]),
    T,
    padId,
  );
}

/** Fixed held-out batches of up to B rows each (at most maxBatches). */
export function fixedBatches(
  rows: Conversation[],
  B: number,
  T: number,
  padId: number,
  maxBatches: number,
): Batch[] {
  const out: Batch[] = [];
  for (let i = 0; i < rows.length && out.length < maxBatches; i += B)
    out.push(rowsToBatch(rows.slice(i, i + B), T, padId));
  return out;
}

/** A token stream cut into consecutive windows of T+1 tokens, every token a target (pretraining). */
export function streamRows(stream: ArrayLike<number>, T: number): Conversation[] {
  const out: Conversation[] = [];
  for (let s = 0; s + T + 1 <= stream.length; s += T) {
    const ids = Array.from({ length: T + 1 }, (_, i) => stream[s + i]);
    out.push({ ids, mask: ids.map(() => 1) });
  }
  return out;
}

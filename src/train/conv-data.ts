// StageData over conversations: packed rows drawn by the trainer's RNG, a held-out share
// kept out by a hash of each conversation's key, and the optional mix with code windows.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { LoadedModel } from '../lm/checkpoint.js';
import type { Rng } from '../lm/rng.js';
import { TaskStore } from '../tasks/store.js';
import { copyRow, drillRows } from './induction.js';
import {
  type Conversation,
  fixedBatches,
  type OverflowPolicy,
  type PackReport,
  pack,
  rowsToBatch,
} from './packing.js';
import { hashOf, type StageData, StageInputError } from './stage.js';

/** A conversation with a key (task or drill id) deciding its split. */
export interface KeyedConversation extends Conversation {
  key: string;
}

export interface ConvDataOptions {
  overflow: OverflowPolicy;
  /** Share of conversations held out (by key hash). @default 0.05 */
  heldoutFraction?: number;
  /** Held-out batches for the loss curve. @default 4 */
  heldoutBatches?: number;
  /** Code windows mixed into batches: each row is code with this probability. @default 0 */
  codeFraction?: number;
  /** The code stream the mixed rows come from. */
  code?: Int32Array;
  /**
   * Rows of induction drills mixed in (each row is drills with this probability): later
   * stages erode the copying heads the induction stage formed (teacher-forced code copy 73%
   * after pretraining, 15% after mid2.1 in run tiny-c); drills keep them trained. @default 0
   */
  drillFraction?: number;
  /** Of the drill rows, the share that copy a span inside a real row (copyRow). @default 0.5 */
  realCopyFraction?: number;
}

const heldOut = (key: string, frac: number) =>
  createHash('sha256').update(`heldout:${key}`).digest().readUInt32BE(0) % 10_000 < frac * 10_000;

/** Packs train and held-out conversations; batches mix in code windows at `codeFraction`. */
export function conversationData(
  model: LoadedModel,
  convs: KeyedConversation[],
  T: number,
  o: ConvDataOptions,
): StageData & { report: PackReport } {
  if (convs.length === 0)
    throw new StageInputError('the dataset is empty (no conversations to train on)');
  const frac = o.heldoutFraction ?? 0.05;
  let train = convs.filter((c) => !heldOut(c.key, frac));
  let held = convs.filter((c) => heldOut(c.key, frac));
  if (held.length === 0) held = train.slice(-1);
  if (train.length === 0) train = held;
  const pad = model.tokenizer.specialId('<|eos|>');
  const packed = pack(train, T, o.overflow);
  const heldPacked = pack(held, T, o.overflow);
  if (packed.rows.length === 0)
    throw new StageInputError(
      `every conversation is longer than the context (${T + 1} tokens) under --overflow ${o.overflow}`,
    );
  const codeFrac = o.codeFraction ?? 0;
  const code = o.code;
  if (codeFrac > 0 && (!code || code.length < T + 1))
    throw new StageInputError('a code mix needs a code stream longer than one window');
  const drillFrac = o.drillFraction ?? 0;
  const realCopy = o.realCopyFraction ?? 0.5;
  const draw = (rng: Rng): Conversation => {
    if (drillFrac > 0 && rng.next() < drillFrac) {
      // Half random-token drills (keep the heads), half copies inside a real row (teach them
      // to match on several tokens where every token is common).
      const r = packed.rows[rng.int(packed.rows.length)];
      if (rng.next() < realCopy && r.ids.length >= 64)
        return copyRow(r.ids, Math.min(r.ids.length, T + 1), rng);
      return drillRows(T + 1, model.tokenizer.nOrdinary, rng);
    }
    if (codeFrac > 0 && code && rng.next() < codeFrac) {
      const s = rng.int(code.length - T);
      const ids = Array.from(code.subarray(s, s + T + 1));
      return { ids, mask: ids.map(() => 1) };
    }
    return packed.rows[rng.int(packed.rows.length)];
  };
  const hash = hashOf(
    JSON.stringify(train.map((c) => c.ids.length)) + train.map((c) => c.key).join(','),
  );
  return {
    next: (rng, B) =>
      rowsToBatch(
        Array.from({ length: B }, () => draw(rng)),
        T,
        pad,
      ),
    // Held-out conversations that all overflow the context leave nothing to measure: fall
    // back to one training row rather than report no loss at all.
    heldout: fixedBatches(
      heldPacked.rows.length > 0 ? heldPacked.rows : packed.rows.slice(-1),
      8,
      T,
      pad,
      o.heldoutBatches ?? 4,
    ),
    report: packed.report,
    info: {
      conversations: train.length,
      heldout_conversations: held.length,
      packed_rows: packed.report.rows,
      dropped_too_long: packed.report.dropped,
      cut_at_turn: packed.report.cut,
      pack_fill: Math.round(packed.report.fill * 1000) / 1000,
      tokens: packed.report.tokens,
      loss_tokens: packed.report.lossTokens,
      code_fraction: codeFrac,
      drill_fraction: drillFrac,
      real_copy_fraction: realCopy,
      overflow: o.overflow,
      data_hash: hash,
    },
  };
}

/** Task facts the stages check rollouts against: split and repository of each task id. */
export function taskIndex(
  dbPaths: string | string[],
): Map<string, { split: string; repoId: string; stage: number }> {
  const m = new Map<string, { split: string; repoId: string; stage: number }>();
  for (const dbPath of Array.isArray(dbPaths) ? dbPaths : [dbPaths]) {
    if (!existsSync(dbPath)) throw new StageInputError(`--tasks ${dbPath}: no such task store`);
    const store = new TaskStore(dbPath);
    try {
      for (const t of store.iterate({}))
        m.set(t.id, { split: t.split, repoId: t.repoId, stage: t.stage });
    } finally {
      store.close();
    }
  }
  return m;
}

/** Repository ids of a store's eval split (what no training stage may see). */
export function evalRepos(dbPath: string): string[] {
  const s = new Set<string>();
  for (const v of taskIndex(dbPath).values()) if (v.split === 'eval') s.add(v.repoId);
  return [...s].sort();
}

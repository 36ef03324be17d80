// Stage 1 of the recipe: next-token prediction on JS/TS code (src/train/corpus.ts).
import type { LoadedModel } from '../lm/checkpoint.js';
import { buildCorpus, CORPUS_DEFAULTS, type CorpusSpec, type Doc } from './corpus.js';
import { fixedBatches, rowsToBatch, streamRows } from './packing.js';
import {
  hashOf,
  runTraining,
  type StageData,
  StageInputError,
  type StageResult,
  TRAIN_DEFAULTS,
  type TrainConfig,
} from './stage.js';

export interface PretrainConfig extends TrainConfig {
  corpus: Partial<CorpusSpec> & Pick<CorpusSpec, 'synthSeeds'>;
  /** Held-out batches for the loss curve. @default 4 */
  heldoutBatches: number;
  /**
   * Share of rows that are one span of code written twice. The second copy can only be
   * predicted by copying from the context, which makes the attention heads that copy
   * (induction heads) form early; the harness loop depends on exactly that skill: repeating a
   * command, a path, a line from an observation. @default 0
   */
  copyFraction: number;
}

/** Token stream of documents, each opened by <|bos|> and closed by <|eos|>. */
export function docStream(model: LoadedModel, docs: Doc[]): Int32Array {
  const tok = model.tokenizer;
  const bos = tok.specialId('<|bos|>');
  const eos = tok.specialId('<|eos|>');
  const out: number[] = [];
  for (const d of docs) {
    out.push(bos);
    for (const id of tok.encode(d.text)) out.push(id);
    out.push(eos);
  }
  return Int32Array.from(out);
}

/**
 * A row with one span written again later: span length and distance both random, so the
 * only way to predict the copy is to find the span's start by content (an induction head).
 * A fixed distance is learned as a positional shortcut that copies nothing else (measured:
 * dev/LOG.md, "train: copying").
 */
export function copyRow(ids: number[], rng: { int(n: number): number }): number[] {
  const n = ids.length;
  const L = 8 + rng.int(Math.max(1, Math.floor(n / 2) - 8));
  const a = rng.int(n - 2 * L + 1);
  const b = a + L + rng.int(n - a - 2 * L + 1);
  const out = ids.slice();
  for (let i = 0; i < L; i++) out[b + i] = ids[a + i];
  return out;
}

/** The pretraining data: random windows of the train stream, fixed windows of the held-out one. */
export function pretrainData(model: LoadedModel, cfg: PretrainConfig, T: number): StageData {
  const corpus = buildCorpus({ ...CORPUS_DEFAULTS, ...cfg.corpus });
  if (corpus.train.length === 0)
    throw new StageInputError(
      'pretrain: the corpus is empty (no synth seeds and no local code found)',
    );
  const train = docStream(model, corpus.train);
  const held = docStream(model, corpus.heldout);
  if (train.length < T + 1)
    throw new StageInputError(
      `pretrain: the corpus has ${train.length} tokens, fewer than one window of ${T + 1}`,
    );
  const heldRows = streamRows(held.length >= T + 1 ? held : train.subarray(0, T + 1), T);
  const pad = model.tokenizer.specialId('<|eos|>');
  return {
    next: (rng, B) => {
      // Uniform window starts over the stream (the engine's sampler, on our stream).
      const rows = Array.from({ length: B }, () => {
        const s = rng.int(train.length - T);
        let ids = Array.from(train.subarray(s, s + T + 1));
        if (cfg.copyFraction > 0 && rng.next() < cfg.copyFraction) ids = copyRow(ids, rng);
        return { ids, mask: ids.map(() => 1) };
      });
      return rowsToBatch(rows, T, pad);
    },
    heldout: fixedBatches(heldRows, 8, T, pad, cfg.heldoutBatches),
    info: {
      ...corpus.info,
      train_docs: corpus.train.length,
      heldout_docs: corpus.heldout.length,
      train_tokens: train.length,
      heldout_tokens: held.length,
      data_hash: hashOf(Buffer.from(train.buffer)),
    },
  };
}

/** Runs the pretrain stage. */
export function runPretrain(
  cfg: Partial<PretrainConfig> & Pick<PretrainConfig, 'from' | 'out' | 'corpus'>,
  log?: (l: string) => void,
  stopAfter?: number,
): StageResult {
  const c: PretrainConfig = { ...TRAIN_DEFAULTS, heldoutBatches: 4, copyFraction: 0, ...cfg };
  return runTraining({
    stage: 'pretrain',
    cfg: c,
    data: (m) => pretrainData(m, c, Math.min(c.seq, m.config.maxSeqLen)),
    log,
    stopAfter,
  });
}

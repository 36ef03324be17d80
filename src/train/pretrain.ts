// Stage 1 of the recipe: next-token prediction on JS/TS code (src/train/corpus.ts).
import type { LoadedModel } from '../lm/checkpoint.js';
import { buildCorpus, CORPUS_DEFAULTS, type CorpusSpec, type Doc } from './corpus.js';
import { copyRow, inductionRow } from './induction.js';
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
   * Share of rows that are induction drills (inductionRow): tokens drawn at random from the
   * corpus with one span written twice, loss on the second copy only. The harness loop
   * depends on copying from context (a command, a path, a line from an observation), and
   * the attention heads that copy form only from a clean signal: the same span repeated
   * inside real code, with loss on every token, taught nothing in 10M tokens, while drills
   * form the heads in ~1k steps (dev/LOG.md, "train: copying"). Half of these rows copy a
   * span inside a real window instead (copyRow). @default 0
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
        // Half the drills draw independent tokens (they keep the heads), half copy a span
        // inside a real window, where tokens recur and the heads must match on several.
        if (cfg.copyFraction > 0 && rng.next() < cfg.copyFraction)
          return rng.next() < 0.5
            ? inductionRow(T + 1, () => train[rng.int(train.length)], rng)
            : copyRow(train, T + 1, rng);
        const s = rng.int(train.length - T);
        const ids = Array.from(train.subarray(s, s + T + 1));
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

// Sampling over the KV-cache decoders, for the harness and for RL.
//
//   generate(model, promptIds, opts)          one sequence -> GenerateResult
//   generateGroup(model, promptIds, G, opts)  G sequences from one prompt -> GenerateResult[]
//
// A group prefills the prompt once and decodes all G together, one batched step (GEMMs,
// not G matvecs) per token; a sequence that stops is compacted out of the batch. A prompt
// of SHARED_PREFIX_MIN (128) tokens or more is kept once, in the decoder's shared block, which
// every row attends over in one product per head (decode-shared.ts); a shorter one is
// copied to the G slots (there the extra nodes of the shared step cost more than it saves). Sequence i of a group samples with seed + i and its own RNG,
// so it equals generate(..., { seed: seed + i }) up to float rounding, whatever the others
// do. `ids` are exactly the sampled token ids (RL trains on them, never on re-tokenized
// text) and `logprobs[k]` is log p(ids[k]) under softmax(logits / temperature) (temperature
// 1 when greedy), top-p truncation not renormalised. Runs on the calling thread: to keep an
// event loop free, use GenerationWorker (generate-worker.ts), which serves the same calls.

import { CallAcceptor, type CallGrammar, tokenPieces } from './call-grammar.js';
import type { LoadedModel } from './checkpoint.js';
import { Decoder } from './decode.js';
import { BatchDecoder } from './decode-batch.js';
import { netFor } from './engine.js';
import { stepKernels } from './kernels/default.js';
import { refKernels } from './kernels/ref.js';
import { Rng } from './rng.js';
import { sample, sampleDist } from './sample.js';

export { sample } from './sample.js';

/** Sampling controls (the same for local models in run, rollout, eval and RL). */
export interface SamplingOptions {
  /** Softmax temperature; 0 means greedy (argmax). @default 1 */
  temperature?: number;
  /** Nucleus sampling: sample from the smallest set of tokens with this much mass. @default 1 */
  topP?: number;
  /** Seed of the sampling RNG (sequence i of a group uses seed + i). @default 0 */
  seed?: number;
}

/** Generation settings. */
export interface GenerateOptions extends SamplingOptions {
  /** Most tokens to generate per sequence. @default 256 */
  maxTokens?: number;
  /** Token ids that end a sequence (e.g. end-of-turn; the stop token is kept in `ids`). @default [] */
  stopIds?: number[];
  /**
   * onnxruntime threads of the decode step. One row is too small to split; a batch of
   * rows may gain from a second core when the machine has one idle. @default 1
   */
  threads?: number;
  /**
   * Ends a sequence whose last `loopStop` tokens are one block of at most loopStop / 4
   * tokens written again and again (a small model's greedy loop, e.g. `to 0) to 0) ...`),
   * with finishReason 'loop'; the tokens it wrote stay in `ids`. 0 is off. @default 0
   */
  loopStop?: number;
  /**
   * Strict tool calls: every sampled token must keep the reply inside this grammar
   * (call-grammar.ts); refused tokens are resampled away. Logprobs stay the model's own.
   * @default undefined (unconstrained)
   */
  grammar?: CallGrammar;
}

/** Options with their defaults filled in (checkGenerateOptions). */
export type CheckedOptions = Required<Omit<GenerateOptions, 'grammar'>> &
  Pick<GenerateOptions, 'grammar'>;

/** What generation returns, per sequence. */
export interface GenerateResult {
  promptIds: number[];
  /** Completion ids (including a final stop token, if one was sampled). */
  ids: number[];
  /** log p(token) under softmax(logits / temperature) (temperature 1 when greedy), per completion token. */
  logprobs: number[];
  finishReason: 'stop' | 'length' | 'loop';
}

/** Largest group one call decodes together. */
export const MAX_GROUP = 64;

/** Shortest prompt a group of 2+ keeps once in the shared block rather than in every slot (see dev/LOG.md "gen2"). */
export const SHARED_PREFIX_MIN = 128;

/** Checks options and fills defaults; throws a one-line error naming the bad field. */
export function checkGenerateOptions(opts: GenerateOptions): CheckedOptions {
  const o: CheckedOptions = {
    maxTokens: opts.maxTokens ?? 256,
    temperature: opts.temperature ?? 1,
    topP: opts.topP ?? 1,
    seed: opts.seed ?? 0,
    stopIds: opts.stopIds ?? [],
    threads: opts.threads ?? 1,
    loopStop: opts.loopStop ?? 0,
    ...(opts.grammar ? { grammar: opts.grammar } : {}),
  };
  if (!(Number.isInteger(o.maxTokens) && o.maxTokens >= 0))
    throw new Error(`maxTokens must be a non-negative integer, got ${opts.maxTokens}`);
  if (!(o.temperature >= 0 && Number.isFinite(o.temperature)))
    throw new Error(`temperature must be a finite number >= 0, got ${opts.temperature}`);
  if (!(o.topP > 0 && o.topP <= 1)) throw new Error(`topP must be in (0, 1], got ${opts.topP}`);
  if (!Number.isInteger(o.seed)) throw new Error(`seed must be an integer, got ${opts.seed}`);
  if (!(Number.isInteger(o.threads) && o.threads >= 1 && o.threads <= 64))
    throw new Error(`threads must be an integer in 1..64, got ${opts.threads}`);
  if (!Array.isArray(o.stopIds) || !o.stopIds.every((x) => Number.isInteger(x)))
    throw new Error('stopIds must be an array of integer token ids');
  if (!(Number.isInteger(o.loopStop) && (o.loopStop === 0 || o.loopStop >= 4)))
    throw new Error(`loopStop must be 0 or an integer >= 4, got ${opts.loopStop}`);
  return o;
}

/**
 * True when the last `span` ids repeat with a period of at most span / 4 (see loopStop).
 * Checked after every token, so the period found first is the shortest; cost is a few
 * comparisons per period, since a non-periodic tail fails within its first mismatches.
 */
export function endsInLoop(ids: readonly number[], span: number): boolean {
  const n = ids.length;
  if (span === 0 || n < span) return false;
  for (let p = 1; p <= span >> 2; p++) {
    let j = n - 1;
    while (j >= n - span + p && ids[j] === ids[j - p]) j--;
    if (j < n - span + p) return true;
  }
  return false;
}

/** Why a sequence ends after its newest token, or null while it goes on. */
export function finishOf(
  ids: readonly number[],
  promptLen: number,
  o: CheckedOptions,
  stop: ReadonlySet<number>,
  maxSeqLen: number,
): GenerateResult['finishReason'] | null {
  if (stop.has(ids[ids.length - 1])) return 'stop';
  if (endsInLoop(ids, o.loopStop)) return 'loop';
  // The token just sampled goes in at position promptLen + ids - 1; it must fit.
  if (ids.length >= o.maxTokens || promptLen + ids.length > maxSeqLen) return 'length';
  return null;
}

/** A sampled token and its logprob. */
export type Picked = { id: number; logprob: number };

/**
 * Samples with `choose` until the acceptor allows the token; each refused token is left out
 * of the next draw (`banned`: out of the choice, not of the softmax, so logprobs stay the
 * model's own). After 32 refusals every token the grammar refuses is left out at once; if
 * nothing is left (a dead end, which the grammar is built not to have) the acceptor stands
 * aside for the rest of the reply.
 */
export function pickAllowed(
  choose: (banned?: ReadonlySet<number>) => Picked,
  acc: CallAcceptor | undefined,
  V: number,
): Picked {
  let c = choose();
  if (!acc || acc.off) return c;
  const banned = new Set<number>();
  for (let tries = 0; !acc.accept(c.id); tries++) {
    if (tries === 32) {
      for (let id = 0; id < V; id++) if (!acc.allows(id)) banned.add(id);
    } else if (tries > 32 || banned.size >= V) {
      acc.off = true;
      return c;
    } else banned.add(c.id);
    c = choose(banned);
  }
  return c;
}

/** Token pieces of a tokenizer, built once (the acceptor reads them for every candidate). */
const piecesOf = new WeakMap<object, string[]>();
export function piecesFor(model: LoadedModel): string[] {
  let p = piecesOf.get(model.tokenizer);
  if (!p) {
    p = tokenPieces(model.tokenizer);
    piecesOf.set(model.tokenizer, p);
  }
  return p;
}

/** Generates a continuation of promptIds with the model's KV cache. */
export function generate(
  model: LoadedModel,
  promptIds: number[],
  opts: GenerateOptions = {},
): GenerateResult {
  return generateGroup(model, promptIds, 1, opts)[0];
}

/** Generates G continuations of one prompt, decoded as one batch (see the top of this file). */
export function generateGroup(
  model: LoadedModel,
  promptIds: number[],
  G: number,
  opts: GenerateOptions = {},
): GenerateResult[] {
  const o = checkGenerateOptions(opts);
  if (!(Number.isInteger(G) && G >= 1 && G <= MAX_GROUP))
    throw new Error(`group size must be an integer in 1..${MAX_GROUP}, got ${G}`);
  if (!Array.isArray(promptIds) || promptIds.length === 0) throw new Error('prompt is empty');
  const V = model.config.vocabSize;
  for (const id of promptIds)
    if (!(Number.isInteger(id) && id >= 0 && id < V))
      throw new Error(`token id ${id} is outside the vocabulary [0, ${V})`);
  const res: GenerateResult[] = Array.from({ length: G }, () => ({
    promptIds: [...promptIds],
    ids: [],
    logprobs: [],
    finishReason: 'length',
  }));
  if (o.maxTokens === 0) return res;
  const stop = new Set(o.stopIds);
  const rngs = res.map((_, i) => new Rng(o.seed + i));
  const pieces = o.grammar ? piecesFor(model) : [];
  const accs = res.map(() => (o.grammar ? new CallAcceptor(o.grammar, pieces) : undefined));
  const probs = new Float64Array(V);
  const dec = makeDecoder(model, G, o.temperature, o.topP, o.threads);
  const first = dec.prefill(promptIds);
  /** Appends sequence s's next token (from `choose`); true when s is finished. */
  const take = (s: number, choose: Choose): boolean => {
    const r = res[s];
    const { id, logprob } = pickAllowed((banned) => choose(rngs[s], banned), accs[s], V);
    r.ids.push(id);
    r.logprobs.push(logprob);
    const end = finishOf(r.ids, promptIds.length, o, stop, model.config.maxSeqLen);
    if (end) r.finishReason = end;
    return end !== null;
  };
  // Row r of the batch decodes sequence seq[r]; rows 0..n-1 are active.
  const seq: number[] = [];
  const next: number[] = [];
  for (let s = 0; s < G; s++) {
    const choose: Choose = (rng, banned) =>
      sample(first, o.temperature, o.topP, rng, probs, banned);
    if (take(s, choose)) continue;
    seq.push(s);
    next.push(res[s].ids[res[s].ids.length - 1]);
  }
  let n = seq.length;
  for (let r = 1; r < n; r++) dec.copySlot(0, r);
  while (n > 0) {
    const row = dec.step(next, n);
    const done: boolean[] = [];
    for (let r = 0; r < n; r++) {
      done.push(take(seq[r], (rng, banned) => row(r, rng, banned)));
      next[r] = res[seq[r]].ids[res[seq[r]].ids.length - 1];
    }
    // Compaction, from the end so the row moved in is always a live one.
    for (let r = n - 1; r >= 0; r--) {
      if (!done[r]) continue;
      const last = n - 1;
      if (r !== last) {
        dec.copySlot(last, r);
        seq[r] = seq[last];
        next[r] = next[last];
      }
      n--;
    }
  }
  return res;
}

type Choose = (rng: Rng, banned?: ReadonlySet<number>) => Picked;

/** The decoder generation runs on: the batched ONNX step graph, or the JS kernels without onnxruntime. */
interface GroupDecoder {
  prefill(ids: number[]): Float32Array;
  copySlot(from: number, to: number): void;
  /** Steps rows 0..n-1; the result samples row r's next token (none of `banned`). */
  step(ids: number[], n: number): (r: number, rng: Rng, banned?: ReadonlySet<number>) => Picked;
}

function makeDecoder(
  model: LoadedModel,
  G: number,
  temp: number,
  topP: number,
  threads: number,
): GroupDecoder {
  const net = netFor(model);
  const V = model.config.vocabSize;
  if (net.K !== refKernels) {
    const b = new BatchDecoder(model, G, { threads });
    return {
      prefill: (ids) => {
        if (G < 2 || ids.length < SHARED_PREFIX_MIN) return b.prefill(0, ids);
        const logits = b.setShared(ids);
        b.attachShared(0);
        return logits;
      },
      copySlot: (f, t) => b.copySlot(f, t),
      step: (ids, n) => {
        b.step(ids, n, temp);
        const { probs, logp } = b.dist(n);
        return (r, rng, banned) =>
          sampleDist(
            probs.subarray(r * V, (r + 1) * V),
            logp.subarray(r * V, (r + 1) * V),
            temp,
            topP,
            rng,
            banned,
          );
      },
    };
  }
  // Without onnxruntime: one reference decoder per sequence, stepped in turn.
  const decs: Decoder[] = [new Decoder(net, model.paramSet, stepKernels())];
  const scratch = new Float64Array(V);
  let out = new Float32Array(0);
  return {
    prefill: (ids) => decs[0].prefill(ids).slice(),
    copySlot: (f, t) => {
      decs[t] = decs[f].clone();
    },
    step: (ids, n) => {
      if (out.length < n * V) out = new Float32Array(n * V);
      for (let r = 0; r < n; r++) out.set(decs[r].step(ids[r]), r * V);
      return (r, rng, banned) =>
        sample(out.subarray(r * V, (r + 1) * V), temp, topP, rng, scratch, banned);
    },
  };
}

// Continuous batching for the generation worker: every request in flight (each a prompt and
// a group size, e.g. the G concurrent episodes of one RL step, each at its own turn) shares
// one BatchDecoder, so each step is one batched graph call over all live sequences, of
// any lengths. A request is admitted between steps (its prompt prefilled into a free slot,
// copied for its group); a finished sequence leaves the batch (the last row moves into its
// slot); slots are added as requests need them; a weight update waits until the batch is
// empty. A request alone in the batch computes what generateGroup computes in-thread (up to
// float rounding when its prompt reuses a cached prefix). A request may listen to each token
// as it is sampled (streaming) and be cancelled: its rows leave the batch before the next step.
//
// Prefix reuse: a finished sequence's KV cache is kept (generate-prefix.ts), and a prompt
// that starts with kept tokens, e.g. the next turn of the same episode, copies them into
// its slot and runs only its new tokens (decode-batch.ts extend). A group's long prompt
// (an RL group's first turn) goes once into the decoder's shared block instead, as a
// segment of its own beside other groups' (up to MAX_BLOCK positions); its rows attend
// over it together (decode-shared.ts). A later request whose prompt starts with a segment
// (the next turn of one of that group's rollouts) continues the block too: its own cache
// gets only what follows, from the prefix cache where it can.

import { CallAcceptor } from './call-grammar.js';
import type { LoadedModel } from './checkpoint.js';
import { BatchDecoder } from './decode-batch.js';
import {
  type CheckedOptions,
  checkGenerateOptions,
  finishOf,
  type GenerateOptions,
  type GenerateResult,
  MAX_GROUP,
  type Picked,
  pickAllowed,
  piecesFor,
  SHARED_PREFIX_MIN,
} from './generate.js';
import { PrefixCache } from './generate-prefix.js';
import { Rng } from './rng.js';
import { sample, sampleDist } from './sample.js';

/** A request's streaming and cancellation hooks. */
export interface JobHooks {
  /** Called with each token as it is sampled, for sequence `seq` of the group. */
  onToken?: (seq: number, id: number) => void;
  /** Set (then `GenerationServer.cancel`) to drop the request; it rejects with `cancelled`. */
  cancelled?: boolean;
}

interface Job {
  hooks: JobHooks;
  promptIds: number[];
  G: number;
  o: CheckedOptions;
  stop: Set<number>;
  res: GenerateResult[];
  left: number;
  resolve: (r: GenerateResult[]) => void;
  reject: (e: Error) => void;
}
interface Row {
  job: Job;
  seq: number;
  rng: Rng;
  next: number;
  /** Strict calls: the row's grammar state (the job's options carry the grammar). */
  acc?: CallAcceptor;
}
type Pending = { kind: 'job'; job: Job } | { kind: 'weights'; apply: () => void; done: () => void };

/** Default bound of the prefix cache: 8 conversations of 2,048 tokens at depth 4 (8 KB a token). */
export const DEFAULT_PREFIX_CACHE_BYTES = 256 * 2 ** 20;

/** Options of a GenerationServer. */
export interface GenerationServerOptions {
  /** Bytes of finished requests' keys/values kept for prefix reuse; 0 turns reuse off. @default DEFAULT_PREFIX_CACHE_BYTES */
  prefixCacheBytes?: number;
  /**
   * Bytes (latin1) of each ordinary token, which strict-call grammars read; the worker thread
   * has no tokenizer, so it gets them here. @default from the model's tokenizer
   */
  pieces?: string[];
}

/** Serves generate requests for one model, batching all that are in flight. */
export class GenerationServer {
  private dec: BatchDecoder | null = null;
  private rows: Row[] = [];
  private readonly queue: Pending[] = [];
  private running = false;
  private readonly probs: Float64Array;
  private readonly prefix: PrefixCache;
  private readonly pieces: string[] | undefined;
  /**
   * Batched steps run, and rows decoded over them (rows / steps = the mean batch); prompt
   * tokens admitted, and how many of them came from the prefix cache or the shared block
   * instead of being run; group prompts kept once in the decoder's shared block instead of
   * in each row's slot, and later requests that continued one of them there.
   */
  readonly stats = {
    steps: 0,
    rows: 0,
    promptTokens: 0,
    reusedTokens: 0,
    sharedPrompts: 0,
    sharedAttached: 0,
  };

  constructor(
    private readonly model: LoadedModel,
    opts: GenerationServerOptions = {},
  ) {
    this.probs = new Float64Array(model.config.vocabSize);
    this.prefix = new PrefixCache(opts.prefixCacheBytes ?? DEFAULT_PREFIX_CACHE_BYTES);
    this.pieces = opts.pieces;
  }

  /** Generates G continuations of promptIds (checked here; errors reject this request only). */
  generateGroup(
    promptIds: number[],
    G: number,
    opts: GenerateOptions,
    hooks: JobHooks = {},
  ): Promise<GenerateResult[]> {
    return new Promise((resolve, reject) => {
      try {
        const o = checkGenerateOptions(opts);
        if (!(Number.isInteger(G) && G >= 1 && G <= MAX_GROUP))
          throw new Error(`group size must be an integer in 1..${MAX_GROUP}, got ${G}`);
        const c = this.model.config;
        if (!Array.isArray(promptIds) || promptIds.length === 0) throw new Error('prompt is empty');
        for (const id of promptIds)
          if (!(Number.isInteger(id) && id >= 0 && id < c.vocabSize))
            throw new Error(`token id ${id} is outside the vocabulary [0, ${c.vocabSize})`);
        if (promptIds.length > c.maxSeqLen)
          throw new Error(`prompt of ${promptIds.length} tokens exceeds maxSeqLen ${c.maxSeqLen}`);
        const res: GenerateResult[] = Array.from({ length: G }, () => ({
          promptIds: [...promptIds],
          ids: [],
          logprobs: [],
          finishReason: 'length',
        }));
        if (o.maxTokens === 0) return resolve(res);
        const stop = new Set(o.stopIds);
        const job = { hooks, promptIds, G, o, stop, res, left: G, resolve, reject };
        this.queue.push({ kind: 'job', job });
        this.kick();
      } catch (e) {
        reject(e as Error);
      }
    });
  }

  /** Runs `apply` (a weight change) once no sequence is being decoded. */
  whenIdle(apply: () => void): Promise<void> {
    return new Promise((done) => {
      this.queue.push({ kind: 'weights', apply, done });
      this.kick();
    });
  }

  /** Drops the request whose hooks these are (before its next token); it rejects with `cancelled`. */
  cancel(hooks: JobHooks): void {
    hooks.cancelled = true;
    this.kick();
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    setImmediate(() => this.loop());
  }

  /** One admission round and one batched step, then yield so new requests can arrive. */
  private loop(): void {
    try {
      this.dropCancelled();
      this.admit();
      if (this.rows.length > 0) this.step();
    } catch (e) {
      // A failure mid-step (it should not happen: inputs were checked) fails every live job.
      const jobs = new Set(this.rows.map((r) => r.job));
      this.rows = [];
      this.dec = null;
      for (const j of jobs) j.reject(e as Error);
    }
    if (this.rows.length > 0 || this.queue.length > 0) setImmediate(() => this.loop());
    else this.running = false;
  }

  /** Cancelled requests leave the queue and the batch (compacted as finished rows are). */
  private dropCancelled(): void {
    const gone = new Set<Job>();
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const p = this.queue[i];
      if (p.kind === 'job' && p.job.hooks.cancelled) {
        this.queue.splice(i, 1);
        gone.add(p.job);
      }
    }
    for (let r = this.rows.length - 1; r >= 0; r--) {
      if (!this.rows[r].job.hooks.cancelled) continue;
      gone.add(this.rows[r].job);
      this.removeRow(r);
    }
    for (const j of gone) j.reject(new Error('cancelled'));
  }

  /** Row r leaves the batch: the last row moves into its slot. */
  private removeRow(r: number): void {
    const last = this.rows.length - 1;
    if (r !== last) {
      (this.dec as BatchDecoder).copySlot(last, r);
      this.rows[r] = this.rows[last];
    }
    this.rows.pop();
  }

  private admit(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0];
      if (head.kind === 'weights') {
        if (this.rows.length > 0) return;
        this.queue.shift();
        head.apply();
        this.prefix.clear(); // cached keys/values came from the old weights
        this.dec = null; // the step graph bakes the weights in: a new decoder picks up the change
        head.done();
        continue;
      }
      const job = head.job;
      const n = this.rows.length;
      // Slots grow with demand (a slot's cache can be tens of MB at long contexts).
      this.dec ??= new BatchDecoder(this.model, job.G);
      this.dec.reserve(n + job.G);
      this.queue.shift();
      const first = this.fill(n, job);
      const fresh: Row[] = [];
      for (let s = 0; s < job.G; s++) {
        const row: Row = { job, seq: s, rng: new Rng(job.o.seed + s), next: 0 };
        if (job.o.grammar) row.acc = new CallAcceptor(job.o.grammar, this.piecesFor());
        const choose = (rng: Rng, banned?: ReadonlySet<number>) =>
          sample(first, job.o.temperature, job.o.topP, rng, this.probs, banned);
        if (!this.take(row, choose)) fresh.push(row);
      }
      // Every sequence stopped at its first token: the slot still holds the prompt.
      if (fresh.length === 0) this.keep(n, job.promptIds);
      for (let i = 1; i < fresh.length; i++) this.dec.copySlot(n, n + i);
      this.rows.push(...fresh);
    }
  }

  /** Puts a job's prompt in `slot`, from the block or the prefix cache where it can; the next-token logits. */
  private fill(slot: number, job: Job): Float32Array {
    const dec = this.dec as BatchDecoder;
    const ids = job.promptIds;
    this.stats.promptTokens += ids.length;
    // A group's prompt goes once into the shared block (a segment of its own, beside those
    // of other groups still in flight); its rows then cache only their own tokens.
    if (job.G >= 2 && ids.length >= SHARED_PREFIX_MIN) {
      const got = dec.addShared(ids, slot);
      if (got) {
        dec.attachShared(slot, ids.length, got.seg);
        this.stats.sharedPrompts++;
        return got.logits;
      }
    }
    const hit = this.prefix.maxBytes > 0 ? this.prefix.lookup(ids) : null;
    // A prompt that starts with a block segment (a later turn of a group's rollout)
    // continues the block there; its own cache gets the rest, from the prefix cache as far
    // as that reaches.
    const m = dec.matchShared(ids, SHARED_PREFIX_MIN);
    if (m) {
      dec.attachShared(slot, m.len, m.seg);
      this.stats.sharedAttached++;
      let from = m.len;
      if (hit && hit.len > m.len) {
        dec.writeOwn(slot, hit.kv, hit.len);
        from = hit.len;
      }
      this.stats.reusedTokens += from;
      return dec.extend(slot, ids.slice(from));
    }
    if (!hit) return dec.prefill(slot, ids);
    this.stats.reusedTokens += hit.len;
    dec.writeSlot(slot, hit.kv, hit.len);
    return dec.extend(slot, ids.slice(hit.len));
  }

  /** Saves what `slot` caches (the first lens[slot] of `ids`) for later prompts. */
  private keep(slot: number, ids: number[]): void {
    if (this.prefix.maxBytes <= 0) return;
    const dec = this.dec as BatchDecoder;
    this.prefix.save(ids, dec.readSlot(slot));
  }

  private step(): void {
    const dec = this.dec as BatchDecoder;
    const rows = this.rows;
    const n = rows.length;
    const V = this.model.config.vocabSize;
    this.stats.steps++;
    this.stats.rows += n;
    dec.step(
      rows.map((r) => r.next),
      n,
      rows.map((r) => r.job.o.temperature),
    );
    const { probs, logp } = dec.dist(n);
    const done = rows.map((row, r) =>
      this.take(row, (rng, banned) =>
        sampleDist(
          probs.subarray(r * V, (r + 1) * V),
          logp.subarray(r * V, (r + 1) * V),
          row.job.o.temperature,
          row.job.o.topP,
          rng,
          banned,
        ),
      ),
    );
    // Compaction as in generateGroup: from the end, so the row moved in is a live one.
    for (let r = rows.length - 1; r >= 0; r--) {
      if (!done[r]) continue;
      // Its cache covers the prompt and every sampled token but the last (never fed).
      const { job, seq } = rows[r];
      this.keep(r, job.promptIds.concat(job.res[seq].ids));
      this.removeRow(r);
    }
  }

  /** Appends the row's next token; true when its sequence is finished (its job resolved when all are). */
  private take(row: Row, choose: (rng: Rng, banned?: ReadonlySet<number>) => Picked): boolean {
    const { job } = row;
    const r = job.res[row.seq];
    const V = this.model.config.vocabSize;
    const { id, logprob } = pickAllowed((banned) => choose(row.rng, banned), row.acc, V);
    r.ids.push(id);
    r.logprobs.push(logprob);
    row.next = id;
    job.hooks.onToken?.(row.seq, id);
    const end = finishOf(r.ids, job.promptIds.length, job.o, job.stop, this.model.config.maxSeqLen);
    if (end) r.finishReason = end;
    const finished = end !== null;
    if (finished && --job.left === 0) job.resolve(job.res);
    return finished;
  }

  private piecesFor(): string[] {
    return this.pieces ?? piecesFor(this.model);
  }
}

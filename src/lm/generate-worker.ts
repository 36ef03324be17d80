// Generation on a worker thread, so the harness's event loop (timers, streaming, tool
// processes) keeps running while the model samples.
//
//   const w = new GenerationWorker(model);            // copies the weights to the thread
//   const r = await w.generate(promptIds, opts);      // = generate() in-thread, same ids/logprobs
//   const g = await w.generateGroup(promptIds, 8, o); // = generateGroup() in-thread
//   await w.generate(ids, o, { onToken, signal });   // streamed: each token as sampled; cancellable
//   await w.syncWeights();                            // after training changed model's weights
//   new GenerationWorker(model, { prefixCacheMB: 0 }) // no prefix reuse across requests
//   await w.close();
//
// Requests in flight are decoded together in one batch (continuous batching, see
// generate-server.ts): concurrent callers, e.g. the episodes of an RL group, share each
// step. The thread keeps the process alive only while a request is pending. Bad options
// are rejected before anything is sent.
import { Worker } from 'node:worker_threads';
import type { LoadedModel } from './checkpoint.js';
import { weightsFingerprint } from './decode-batch.js';
import {
  checkGenerateOptions,
  type GenerateOptions,
  type GenerateResult,
  MAX_GROUP,
  piecesFor,
} from './generate.js';
import { DEFAULT_PREFIX_CACHE_BYTES, type GenerationServer } from './generate-server.js';
import type { WorkerRequest } from './generate-worker-main.js';

type Pending = {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  onToken?: (id: number, seq: number) => void;
};

/** Streaming and cancellation of one request. */
export interface StreamHooks {
  /** Each token as the thread samples it (sequence `seq` of the group), before the reply. */
  onToken?: (id: number, seq: number) => void;
  /**
   * Aborting it drops the request's sequences from the thread's batch before their next
   * step and rejects with the signal's reason.
   */
  signal?: AbortSignal;
}
type Body<T> = T extends unknown ? Omit<T, 'id'> : never;

/** Options of a GenerationWorker. */
export interface GenerationWorkerOptions {
  /**
   * Megabytes of finished requests' KV caches kept so a prompt that extends an earlier
   * request's tokens (the next turn of an episode) computes only its new tokens; least
   * recently used first out; 0 turns reuse off. @default 256
   */
  prefixCacheMB?: number;
}

/** Worker statistics: batched steps and rows decoded, prompt tokens admitted and how many came from the prefix cache. */
export type GenerationStats = GenerationServer['stats'];

/** A model served by its own worker thread. */
export class GenerationWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private fingerprint: number;
  private dead: Error | null = null;

  constructor(
    readonly model: LoadedModel,
    opts: GenerationWorkerOptions = {},
  ) {
    const mb = opts.prefixCacheMB ?? DEFAULT_PREFIX_CACHE_BYTES / 2 ** 20;
    if (!(mb >= 0 && Number.isFinite(mb)))
      throw new Error(`prefixCacheMB must be a finite number >= 0, got ${opts.prefixCacheMB}`);
    this.fingerprint = weightsFingerprint(model.paramSet.flat);
    this.worker = new Worker(new URL('./generate-worker-main.js', import.meta.url), {
      workerData: {
        config: model.config,
        flat: model.paramSet.flat,
        prefixCacheBytes: Math.floor(mb * 2 ** 20),
        // Strict-call grammars read token bytes; the thread has no tokenizer of its own.
        pieces: piecesFor(model),
      },
    });
    this.worker.unref();
    type Reply = { id: number; ok: boolean; value?: unknown; error?: string };
    type Token = { id: number; seq: number; token: number };
    this.worker.on('message', (m: Reply | Token) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      if ('token' in m) {
        p.onToken?.(m.token, m.seq);
        return;
      }
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(m.error));
    });
    const fail = (e: Error) => {
      this.dead ??= e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    this.worker.on('error', (e) => fail(new Error(`generation worker failed: ${e.message}`)));
    this.worker.on('exit', (code) => fail(new Error(`generation worker exited (code ${code})`)));
  }

  /** One sequence, as generate() would give in-thread. */
  async generate(
    promptIds: number[],
    opts: GenerateOptions = {},
    hooks: StreamHooks = {},
  ): Promise<GenerateResult> {
    return (await this.generateGroup(promptIds, 1, opts, hooks))[0];
  }

  /** G sequences of one prompt decoded as a batch, as generateGroup() would give in-thread. */
  generateGroup(
    promptIds: number[],
    G: number,
    opts: GenerateOptions = {},
    hooks: StreamHooks = {},
  ): Promise<GenerateResult[]> {
    try {
      checkGenerateOptions(opts);
      if (!(Number.isInteger(G) && G >= 1 && G <= MAX_GROUP))
        throw new Error(`group size must be an integer in 1..${MAX_GROUP}, got ${G}`);
    } catch (e) {
      return Promise.reject(e);
    }
    const stream = hooks.onToken !== undefined;
    return this.request(
      { op: 'group', promptIds: [...promptIds], G, opts, stream },
      hooks,
    ) as Promise<GenerateResult[]>;
  }

  /** Sends the model's current weights to the thread if they changed since last sent. */
  async syncWeights(): Promise<void> {
    const fp = weightsFingerprint(this.model.paramSet.flat);
    if (fp === this.fingerprint) return;
    await this.request({ op: 'weights', flat: this.model.paramSet.flat });
    this.fingerprint = fp;
  }

  /** Batched steps so far and rows decoded in them (rows / steps = the mean batch size), prompt tokens and reused ones. */
  stats(): Promise<GenerationStats> {
    return this.request({ op: 'stats' }) as Promise<GenerationStats>;
  }

  /** Stops the thread; pending requests are rejected. */
  async close(): Promise<void> {
    this.dead ??= new Error('generation worker closed');
    await this.worker.terminate();
  }

  private request(body: Body<WorkerRequest>, hooks: StreamHooks = {}): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    const { signal, onToken } = hooks;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const settle = () => {
        signal?.removeEventListener('abort', abort);
        this.pending.delete(id);
        if (this.pending.size === 0) this.worker.unref();
      };
      // The caller is answered at once; the thread drops the sequences before its next step.
      const abort = () => {
        settle();
        this.worker.postMessage({ op: 'cancel', id });
        reject(signal?.reason);
      };
      this.pending.set(id, {
        resolve: (v) => {
          settle();
          resolve(v);
        },
        reject: (e) => {
          settle();
          reject(e);
        },
        onToken,
      });
      signal?.addEventListener('abort', abort, { once: true });
      this.worker.ref();
      this.worker.postMessage({ ...body, id });
    });
  }
}

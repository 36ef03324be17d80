// Generation on a worker thread, so the harness's event loop (timers, streaming, tool
// processes) keeps running while the model samples.
//
//   const w = new GenerationWorker(model);            // copies the weights to the thread
//   const r = await w.generate(promptIds, opts);      // = generate() in-thread, same ids/logprobs
//   const g = await w.generateGroup(promptIds, 8, o); // = generateGroup() in-thread
//   await w.syncWeights();                            // after training changed model's weights
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
} from './generate.js';
import type { WorkerRequest } from './generate-worker-main.js';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type Body<T> = T extends unknown ? Omit<T, 'id'> : never;

/** A model served by its own worker thread. */
export class GenerationWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private fingerprint: number;
  private dead: Error | null = null;

  constructor(readonly model: LoadedModel) {
    this.fingerprint = weightsFingerprint(model.paramSet.flat);
    this.worker = new Worker(new URL('./generate-worker-main.js', import.meta.url), {
      workerData: { config: model.config, flat: model.paramSet.flat },
    });
    this.worker.unref();
    this.worker.on('message', (m: { id: number; ok: boolean; value?: unknown; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.worker.unref();
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
  async generate(promptIds: number[], opts: GenerateOptions = {}): Promise<GenerateResult> {
    return (await this.generateGroup(promptIds, 1, opts))[0];
  }

  /** G sequences of one prompt decoded as a batch, as generateGroup() would give in-thread. */
  generateGroup(
    promptIds: number[],
    G: number,
    opts: GenerateOptions = {},
  ): Promise<GenerateResult[]> {
    try {
      checkGenerateOptions(opts);
      if (!(Number.isInteger(G) && G >= 1 && G <= MAX_GROUP))
        throw new Error(`group size must be an integer in 1..${MAX_GROUP}, got ${G}`);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.request({ op: 'group', promptIds: [...promptIds], G, opts }) as Promise<
      GenerateResult[]
    >;
  }

  /** Sends the model's current weights to the thread if they changed since last sent. */
  async syncWeights(): Promise<void> {
    const fp = weightsFingerprint(this.model.paramSet.flat);
    if (fp === this.fingerprint) return;
    await this.request({ op: 'weights', flat: this.model.paramSet.flat });
    this.fingerprint = fp;
  }

  /** Batched steps so far and rows decoded in them (rows / steps = the mean batch size). */
  stats(): Promise<{ steps: number; rows: number }> {
    return this.request({ op: 'stats' }) as Promise<{ steps: number; rows: number }>;
  }

  /** Stops the thread; pending requests are rejected. */
  async close(): Promise<void> {
    this.dead ??= new Error('generation worker closed');
    await this.worker.terminate();
  }

  private request(body: Body<WorkerRequest>): Promise<unknown> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...body, id });
    });
  }
}

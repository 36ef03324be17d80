// The generation worker thread: holds a copy of the model and serves GenerationWorker's
// requests (generate-worker.ts), all in flight batched together (generate-server.ts), so
// generation never blocks the caller's loop. A streamed request gets a `{ id, seq, token }`
// message per sampled token before its reply; `cancel` drops a request (no reply to it).
import { parentPort, workerData } from 'node:worker_threads';
import type { LoadedModel } from './checkpoint.js';
import type { ModelConfig } from './config.js';
import type { GenerateOptions } from './generate.js';
import { GenerationServer, type JobHooks } from './generate-server.js';
import { allocParams } from './params.js';
import { Tokenizer } from './tokenizer.js';

/** A request from the client. */
export type WorkerRequest =
  | {
      id: number;
      op: 'group';
      promptIds: number[];
      G: number;
      opts: GenerateOptions;
      /** Post each token as it is sampled. @default false */
      stream?: boolean;
    }
  /** Drops request `id` (its reply, an error, is ignored by the client). */
  | { id: number; op: 'cancel' }
  | { id: number; op: 'weights'; flat: Float32Array }
  | { id: number; op: 'stats' };

const init = workerData as {
  config: ModelConfig;
  flat: Float32Array;
  prefixCacheBytes: number;
  pieces: string[];
};
const paramSet = allocParams(init.config);
paramSet.flat.set(init.flat);
// Generation never reads the tokenizer; the placeholder only completes the LoadedModel shape.
const model: LoadedModel = {
  config: init.config,
  params: paramSet.views,
  paramSet,
  tokenizer: new Tokenizer([]),
};

const server = new GenerationServer(model, {
  prefixCacheBytes: init.prefixCacheBytes,
  pieces: init.pieces,
});
/** Hooks of the requests in flight, by id, so that `cancel` finds them. */
const live = new Map<number, JobHooks>();
const reply = (id: number, p: Promise<unknown>) =>
  p
    .finally(() => live.delete(id))
    .then(
      (value) => parentPort?.postMessage({ id, ok: true, value }),
      (e: Error) => parentPort?.postMessage({ id, ok: false, error: e.message }),
    );

parentPort?.on('message', (m: WorkerRequest) => {
  if (m.op === 'stats') {
    parentPort?.postMessage({ id: m.id, ok: true, value: { ...server.stats } });
    return;
  }
  if (m.op === 'weights') {
    if (m.flat.length !== paramSet.flat.length) {
      const error = `weights: ${m.flat.length} floats, the model has ${paramSet.flat.length}`;
      parentPort?.postMessage({ id: m.id, ok: false, error });
      return;
    }
    reply(
      m.id,
      server.whenIdle(() => paramSet.flat.set(m.flat)).then(() => null),
    );
    return;
  }
  if (m.op === 'cancel') {
    const hooks = live.get(m.id);
    if (hooks) server.cancel(hooks);
    return;
  }
  const hooks: JobHooks = m.stream
    ? { onToken: (seq, token) => parentPort?.postMessage({ id: m.id, seq, token }) }
    : {};
  live.set(m.id, hooks);
  reply(m.id, server.generateGroup(m.promptIds, m.G, m.opts, hooks));
});

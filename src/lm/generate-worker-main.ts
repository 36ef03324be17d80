// The generation worker thread: holds a copy of the model and serves GenerationWorker's
// requests (generate-worker.ts) one at a time, so generation never blocks the caller's loop.
import { parentPort, workerData } from 'node:worker_threads';
import type { LoadedModel } from './checkpoint.js';
import type { ModelConfig } from './config.js';
import { type GenerateOptions, generateGroup } from './generate.js';
import { allocParams } from './params.js';
import { Tokenizer } from './tokenizer.js';

/** A request from the client. */
export type WorkerRequest =
  | { id: number; op: 'group'; promptIds: number[]; G: number; opts: GenerateOptions }
  | { id: number; op: 'weights'; flat: Float32Array };

const init = workerData as { config: ModelConfig; flat: Float32Array };
const paramSet = allocParams(init.config);
paramSet.flat.set(init.flat);
// Generation never reads the tokenizer; the placeholder only completes the LoadedModel shape.
const model: LoadedModel = {
  config: init.config,
  params: paramSet.views,
  paramSet,
  tokenizer: new Tokenizer([]),
};

parentPort?.on('message', (m: WorkerRequest) => {
  try {
    if (m.op === 'weights') {
      if (m.flat.length !== paramSet.flat.length)
        throw new Error(`weights: ${m.flat.length} floats, the model has ${paramSet.flat.length}`);
      paramSet.flat.set(m.flat);
      parentPort?.postMessage({ id: m.id, ok: true, value: null });
      return;
    }
    const value = generateGroup(model, m.promptIds, m.G, m.opts);
    parentPort?.postMessage({ id: m.id, ok: true, value });
  } catch (e) {
    parentPort?.postMessage({ id: m.id, ok: false, error: (e as Error).message });
  }
});

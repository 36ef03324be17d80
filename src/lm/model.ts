// The embedded model's public face: make a model, run it. Layer math lives in ops/*,
// the whole-network passes in network.ts, decoding in decode.ts / generate.ts.
import type { LoadedModel } from './checkpoint.js';
import type { ModelConfig } from './config.js';
import { allocParams, initParams } from './params.js';
import { Rng } from './rng.js';
import { Tokenizer } from './tokenizer.js';

export type { LoadedModel } from './checkpoint.js';
export { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
export { forwardLogits, netFor } from './engine.js';
export {
  type GenerateOptions,
  type GenerateResult,
  generate,
  generateGroup,
  type SamplingOptions,
} from './generate.js';

/** A randomly initialised model (seeded); the tokenizer defaults to the byte-level fallback (no merges). */
export function initModel(
  config: ModelConfig,
  seed: number,
  tokenizer: Tokenizer = new Tokenizer([]),
): LoadedModel {
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new Error(
      `initModel: tokenizer has ${tokenizer.vocabSize} ids but config.vocabSize is ${config.vocabSize}`,
    );
  }
  const paramSet = allocParams(config);
  initParams(paramSet, config, new Rng(seed));
  return { config, params: paramSet.views, paramSet, tokenizer };
}

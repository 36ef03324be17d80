// Runs an exported GGUF in llama.cpp through node-llama-cpp (a devDependency: imported lazily,
// only by parity tests and benchmarks). Always the local prebuilt CPU binary: nothing is built
// or downloaded at run time.
import type { Token } from 'node-llama-cpp';

/** Options for openLlamaCpp. */
export interface LlamaCppOptions {
  /** Evaluation threads. @default 1 */
  threads?: number;
  /** Context window in tokens. @default 512 */
  contextSize?: number;
}

/** A loaded GGUF in llama.cpp, driven by raw token ids (no chat template, no added BOS). */
export interface LlamaCppModel {
  vocabSize: number;
  /** llama.cpp's own tokenization; special-token text is parsed only when `special` is true. */
  tokenize(text: string, special?: boolean): number[];
  /** Next-token log-probabilities after `ids` (a fresh sequence each call; -Infinity where llama.cpp reports none). */
  nextLogits(ids: readonly number[]): Promise<Float32Array>;
  /** Greedy continuation of `ids`, `n` tokens, not stopping at end-of-generation tokens. */
  greedy(ids: readonly number[], n: number): Promise<number[]>;
  dispose(): Promise<void>;
}

/** True when node-llama-cpp and a prebuilt binary for this platform are installed. */
export async function llamaCppAvailable(): Promise<boolean> {
  try {
    await import('node-llama-cpp');
    return true;
  } catch {
    return false;
  }
}

/** Loads `ggufPath` with llama.cpp's CPU backend. */
export async function openLlamaCpp(
  ggufPath: string,
  opts: LlamaCppOptions = {},
): Promise<LlamaCppModel> {
  const threads = opts.threads ?? 1;
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  const llama = await getLlama({
    gpu: false,
    build: 'never',
    skipDownload: true,
    usePrebuiltBinaries: true,
    progressLogs: false,
    maxThreads: threads,
    logLevel: LlamaLogLevel.error,
  });
  const model = await llama.loadModel({ modelPath: ggufPath });
  const context = await model.createContext({
    contextSize: opts.contextSize ?? 512,
    threads,
    sequences: 1,
  });
  const seq = context.getSequence();
  const vocabSize = model.fileInfo.metadata.tokenizer?.ggml.tokens.length ?? 0;
  return {
    vocabSize,
    tokenize: (text, special = false) => model.tokenize(text, special),
    async nextLogits(ids) {
      if (ids.length === 0) throw new Error('nextLogits: need at least one token');
      await seq.clearHistory();
      const input = ids.map((t, i) =>
        i === ids.length - 1
          ? ([
              t,
              {
                generateNext: {
                  probabilities: true,
                  options: { temperature: 1, topK: 0, topP: 1, minP: 0 },
                },
              },
            ] as const)
          : t,
      );
      const out = await seq.controlledEvaluate(
        input as Parameters<typeof seq.controlledEvaluate>[0],
      );
      // node-llama-cpp 3.21 exposes next-token probabilities, not raw logits: log p equals the
      // logits up to one constant per position, which callers compare after log-softmax.
      const probs = out[ids.length - 1]?.next.probabilities;
      if (!probs) throw new Error('nextLogits: llama.cpp returned no probabilities');
      const v = new Float32Array(vocabSize).fill(Number.NEGATIVE_INFINITY);
      for (const [tok, p] of probs) v[tok] = Math.log(p);
      return v;
    },
    async greedy(ids, n) {
      await seq.clearHistory();
      const out: number[] = [];
      if (n <= 0) return out;
      for await (const t of seq.evaluate([...ids] as unknown as Token[], {
        temperature: 0,
        yieldEogToken: true,
      })) {
        out.push(t);
        if (out.length >= n) break;
      }
      return out;
    },
    async dispose() {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}

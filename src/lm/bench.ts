// `lm bench`: training tokens/s and MFU, GEMM throughput, generation tokens/s, and the
// same model exported to GGUF and run by llama.cpp in the same process for a ratio.
import { sampleWindows } from './batch.js';
import { benchLlamaCpp } from './bench-llamacpp.js';
import { deriveConfig, headDim, type ModelConfig, validateConfig } from './config.js';
import { BatchDecoder } from './decode-batch.js';
import { ortKernels } from './kernels/ort.js';
import type { Kernels } from './kernels/types.js';
import { initModel } from './model.js';
import { countParams } from './params.js';
import { Rng } from './rng.js';
import { sample } from './sample.js';
import { Trainer } from './trainer.js';

/** Shape and effort of a benchmark run. */
export interface BenchOptions {
  /** Depth knob; the explicit shape fields below override what it derives. @default 4 */
  depth?: number;
  layers?: number;
  dim?: number;
  heads?: number;
  /** @default 4096 */
  vocab?: number;
  /** Training sequence length. @default 256 */
  seq?: number;
  /** Training batch (sequences per step). @default 8 */
  batch?: number;
  /** Timed training steps (one more untimed warm-up step runs first). @default 3 */
  steps?: number;
  /** Tokens to generate in the generation benchmarks. @default 128 */
  genTokens?: number;
  /** Kernel threads. @default os.availableParallelism() */
  threads?: number;
  /** Also run llama.cpp on the exported GGUF. @default true */
  llamaCpp?: boolean;
}

/** One benchmark result (the `--json` object). */
export interface BenchResult {
  config: ModelConfig;
  params: number;
  threads: number;
  train_tokens_per_s: number;
  /**
   * Tokens per CPU-second of this process (all threads): robust to other processes' load;
   * on 1 thread it is what wall-clock speed would be on an idle core.
   */
  train_tokens_per_cpu_s: number;
  /** Model FLOP/s (PaLM's 6N + 12 L T d per token, N without the embedding lookup) over gemm_gflops. */
  mfu: number;
  model_gflops: number;
  gemm_gflops: number;
  final_loss: number;
  generate_tokens_per_s: number;
  llama_cpp_generate_tokens_per_s: number | null;
  llama_cpp_reason?: string;
  /** generate_tokens_per_s / llama_cpp_generate_tokens_per_s. */
  generate_ratio: number | null;
}

/** Training FLOPs per token: 6 per matmul weight (fwd + 2 bwd GEMMs) plus attention's 12 L T d. */
export function flopsPerToken(c: ModelConfig, T: number): number {
  const n =
    countParams(c) - c.vocabSize * c.dim * (c.tiedEmbeddings ? 0 : 1) - c.dim * (2 * c.nLayers + 1);
  return 6 * n + 12 * c.nLayers * T * c.nHeads * headDim(c);
}

/** Best GFLOP/s (fastest call) of the kernels over the model's GEMM shapes and a 1024^3 square, same threads. */
export function measureGemm(K: Kernels, c: ModelConfig, N: number): number {
  const qkv = (c.nHeads + 2 * c.nKvHeads) * headDim(c);
  const shapes: [number, number, number, boolean, boolean][] = [
    [1024, 1024, 1024, false, false],
    [N, qkv, c.dim, false, true],
    [N, 2 * c.ffnDim, c.dim, false, true],
    [N, c.dim, c.ffnDim, false, false],
    [c.ffnDim * 2, c.dim, N, true, false],
    [N, c.vocabSize, c.dim, false, true],
  ];
  const rng = new Rng(1);
  let best = 0;
  for (const [M, Nn, Kk, ta, tb] of shapes) {
    const A = Float32Array.from({ length: M * Kk }, () => rng.next() - 0.5);
    const B = Float32Array.from({ length: Kk * Nn }, () => rng.next() - 0.5);
    const C = new Float32Array(M * Nn);
    K.gemm(C, A, B, M, Nn, Kk, ta, tb, false);
    // The fastest single call, not the mean: on a shared machine the mean measures the
    // neighbours; the best call is what the kernel can do, which keeps MFU conservative.
    let it = 0;
    let fastest = Number.POSITIVE_INFINITY;
    const t0 = performance.now();
    while (performance.now() - t0 < 300 || it < 3) {
      const c0 = performance.now();
      K.gemm(C, A, B, M, Nn, Kk, ta, tb, false);
      fastest = Math.min(fastest, (performance.now() - c0) / 1000);
      it++;
    }
    best = Math.max(best, (2 * M * Nn * Kk) / fastest / 1e9);
  }
  return best;
}

/** Runs the benchmarks on a randomly initialised model of the given shape. */
export async function runBench(
  o: BenchOptions = {},
  log: (s: string) => void = () => {},
): Promise<BenchResult> {
  const threads = o.threads ?? (await import('node:os')).availableParallelism();
  const K = ortKernels({ threads });
  const T = o.seq ?? 256;
  const B = o.batch ?? 8;
  const base = deriveConfig(o.depth ?? 4, {
    dim: o.dim,
    nHeads: o.heads,
    vocabSize: o.vocab ?? 4096,
    maxSeqLen: Math.max(T, 512),
  });
  const explicit = o.layers !== undefined || o.dim !== undefined || o.heads !== undefined;
  const c = validateConfig({
    ...base,
    depth: explicit ? undefined : base.depth,
    nLayers: o.layers ?? base.nLayers,
    nKvHeads: o.heads ?? base.nKvHeads,
    ffnDim: o.dim ? Math.ceil((8 * o.dim) / 3 / 64) * 64 : base.ffnDim,
  });
  log(
    `model: ${JSON.stringify(c)} (${(countParams(c) / 1e6).toFixed(2)}M params), kernels ${K.name}`,
  );
  let gemm = measureGemm(K, c, B * T);
  const model = initModel(c, 1);
  const tr = new Trainer(model, { kernels: K, seed: 1 });
  const rng = new Rng(2);
  const tokens = Int32Array.from({ length: 200_000 }, () => rng.int(c.vocabSize));
  tr.trainStep([sampleWindows(tokens, B, T, tr.rng)]);
  const steps = o.steps ?? 3;
  let loss = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < steps; i++) loss = tr.trainStep([sampleWindows(tokens, B, T, tr.rng)]).loss;
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const tps = (steps * B * T) / secs;
  const tpcs = (steps * B * T) / ((cpu.user + cpu.system) / 1e6);
  // Measured before and after training, best kept: load from other processes varies.
  gemm = Math.max(gemm, measureGemm(K, c, B * T));
  log(`gemm: best ${gemm.toFixed(1)} GFLOP/s`);
  const modelGflops = (tps * flopsPerToken(c, T)) / 1e9;
  log(
    `train: ${tps.toFixed(0)} tokens/s, ${modelGflops.toFixed(1)} model GFLOP/s, MFU ${((100 * modelGflops) / gemm).toFixed(1)}%; ${tpcs.toFixed(0)} tokens per CPU-second`,
  );
  const genTokens = o.genTokens ?? 128;
  const prompt = Array.from({ length: 16 }, (_, i) => (i * 37) % c.vocabSize);
  // Decode steps only (after the prompt's prefill), the same thing timed for llama.cpp.
  // The decoder generate() uses: one ONNX graph per step (decode-batch.ts), one row.
  const dec = new BatchDecoder(model, 1);
  let logits = dec.prefill(0, prompt);
  const probs = new Float64Array(c.vocabSize);
  const srng = new Rng(3);
  for (let i = 0; i < 4; i++) logits = dec.step([sample(logits, 0, 1, srng, probs).id]);
  const g1 = performance.now();
  for (let i = 0; i < genTokens; i++) logits = dec.step([sample(logits, 0, 1, srng, probs).id]);
  const gtps = genTokens / ((performance.now() - g1) / 1000);
  log(`generate: ${gtps.toFixed(0)} tokens/s`);
  let llama: { tokensPerS: number | null; reason?: string } = {
    tokensPerS: null,
    reason: 'disabled (--no-llama-cpp)',
  };
  if (o.llamaCpp !== false) llama = await benchLlamaCpp(model, prompt, genTokens, threads);
  log(
    `llama.cpp: ${llama.tokensPerS === null ? `n/a (${llama.reason})` : `${llama.tokensPerS.toFixed(0)} tokens/s`}`,
  );
  return {
    config: c,
    params: countParams(c),
    threads,
    train_tokens_per_s: tps,
    train_tokens_per_cpu_s: tpcs,
    mfu: modelGflops / gemm,
    model_gflops: modelGflops,
    gemm_gflops: gemm,
    final_loss: loss,
    generate_tokens_per_s: gtps,
    llama_cpp_generate_tokens_per_s: llama.tokensPerS,
    ...(llama.reason ? { llama_cpp_reason: llama.reason } : {}),
    generate_ratio: llama.tokensPerS ? gtps / llama.tokensPerS : null,
  };
}

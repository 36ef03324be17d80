// Generation speed for RL, three ratios measured in one run on the shape of the issue's
// `lm bench` (4 layers, dim 256, 4 heads, vocab 4096), random weights:
//  1. single sequence: ours (generate(), one ONNX graph per step) vs llama.cpp
//     (node-llama-cpp, prebuilt CPU binary) on the exported GGUF of the same model, greedy,
//     same thread count. Goal >= 1.0.
//  2. a group of G sequences sharing the prompt (generateGroup: prefill once, decode all G
//     in one batch) vs one sequence, tokens/s, temperature 1. Goal >= 4. Twice: with the
//     16-token prompt above (copied to the G slots), and with a prompt as long as an RL
//     group's first turn in the real harness (~430 tokens; kept once in the shared block).
//  3. through the worker thread (GenerationWorker) vs in-thread, tokens/s, with the event
//     loop's longest timer gap during the worker's generation. Goal: ratio ~1, gap small;
//     3b: G separate requests in flight at once, batched by the worker;
//     3c: a later turn of an RL group through the worker: G requests whose prompts are the
//     long prompt plus each row's own 192 tokens (histories diverge after the group's first
//     turn), continuing the group prompt's block segment, vs one such request alone.
// Decode steps only: each rate is (n - 1) tokens over time(n tokens) - time(1 token), so
// prefill and the first token are subtracted. Engines alternate and each keeps its best of
// `reps` runs, because the machine is shared and single runs swing by 2-4x; tokens per
// CPU-second (this process, all threads) are printed too, which load does not inflate.
// Usage: node dist/bench/generate.bench.js [tokens, default 128] [G, default 8] [reps, default 3] [threads, default 1] [long prompt, default 448]
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const n = Number(process.argv[2] ?? 128);
const G = Number(process.argv[3] ?? 8);
const reps = Number(process.argv[4] ?? 3);
const threads = Number(process.argv[5] ?? 1);
const longLen = Number(process.argv[6] ?? 448);
// Read by the default kernels (the prefill) when first built: both engines get the same threads.
process.env.LOOPSMITH_THREADS ??= String(threads);

const { validateConfig, deriveConfig } = await import('../src/lm/config.js');
const { generate, generateGroup, initModel } = await import('../src/lm/model.js');
const { GenerationWorker } = await import('../src/lm/generate-worker.js');
const { exportGguf } = await import('../src/lm/gguf.js');
const { llamaCppAvailable, openLlamaCpp } = await import('../src/lm/gguf-llama.js');

const config = validateConfig({
  ...deriveConfig(4, { dim: 256, nHeads: 4, nKvHeads: 4, vocabSize: 4096, maxSeqLen: 2048 }),
  ffnDim: 704,
});
const model = initModel(config, 1);
const promptOf = (len: number) =>
  Array.from({ length: len }, (_, i) => (i * 37) % config.vocabSize);
const prompt = promptOf(16);

interface Rate {
  wall: number;
  cpu: number;
}
const timed = async (f: () => unknown): Promise<[number, number]> => {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await f();
  const c = process.cpuUsage(c0);
  return [(performance.now() - t0) / 1000, (c.user + c.system) / 1e6];
};
/** Decode tokens/s of gen(k) producing `perCall` sequences of k tokens. */
const rate = async (gen: (k: number) => unknown, perCall = 1): Promise<Rate> => {
  const [w1, c1] = await timed(() => gen(n));
  const [w0, c0] = await timed(() => gen(1));
  const tokens = perCall * (n - 1);
  return { wall: tokens / Math.max(1e-9, w1 - w0), cpu: tokens / Math.max(1e-9, c1 - c0) };
};
const best = (a: Rate, b: Rate): Rate => ({
  wall: Math.max(a.wall, b.wall),
  cpu: Math.max(a.cpu, b.cpu),
});
const zero: Rate = { wall: 0, cpu: 0 };
const fmt = (r: Rate) => `${r.wall.toFixed(0)} tok/s (${r.cpu.toFixed(0)} per CPU-s)`;

const dir = mkdtempSync(join(tmpdir(), 'loopsmith-genbench-'));
try {
  console.log(
    `model: 4 layers, dim 256, 4 heads, ffn 704, vocab 4096; ${n} tokens, G ${G}, ${threads} thread(s), best of ${reps}; load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  const greedy = (k: number) => generate(model, prompt, { maxTokens: k, temperature: 0 });
  const single = (k: number) => generate(model, prompt, { maxTokens: k, temperature: 1, seed: 1 });
  greedy(4);
  single(4);
  // 1. ours vs llama.cpp.
  let ours = zero;
  let theirs = zero;
  let llamaNote = '';
  if (await llamaCppAvailable()) {
    const path = join(dir, 'model.gguf');
    exportGguf(model, path);
    const llama = await openLlamaCpp(path, { threads, contextSize: 512 });
    try {
      const theirGen = (k: number) => llama.greedy(prompt, k);
      await theirGen(4);
      for (let r = 0; r < reps; r++) {
        ours = best(ours, await rate(greedy));
        theirs = best(theirs, await rate(theirGen));
      }
    } finally {
      await llama.dispose();
    }
  } else {
    for (let r = 0; r < reps; r++) ours = best(ours, await rate(greedy));
    llamaNote = ' (llama.cpp not measured: node-llama-cpp is not installed)';
  }
  console.log(
    `1. single sequence: ours ${fmt(ours)}, llama.cpp ${fmt(theirs)}${llamaNote}; ratio ours/llama.cpp = ${theirs.wall ? (ours.wall / theirs.wall).toFixed(2) : 'n/a'} wall, ${theirs.cpu ? (ours.cpu / theirs.cpu).toFixed(2) : 'n/a'} per CPU-s (goal >= 1.0)`,
  );
  // 2. a batched group vs one sequence, at both prompt lengths.
  for (const len of [16, longLen]) {
    const p = promptOf(len);
    const one1 = (k: number) => generate(model, p, { maxTokens: k, temperature: 1, seed: 1 });
    const group = (k: number, t = 1) =>
      generateGroup(model, p, G, { maxTokens: k, temperature: 1, threads: t });
    group(4);
    group(4, 2);
    let one = zero;
    let many = zero;
    let many2 = zero;
    for (let r = 0; r < reps; r++) {
      one = best(one, await rate(one1));
      many = best(many, await rate(group, G));
    }
    // The batch's GEMMs can use a second core; one row cannot (so the single rate stays 1-thread).
    for (let r = 0; r < reps; r++) many2 = best(many2, await rate((k) => group(k, 2), G));
    console.log(
      `2. group of ${G}, prompt ${len}: ${fmt(many)} vs one sequence ${fmt(one)}; ratio = ${(many.wall / one.wall).toFixed(2)} wall, ${(many.cpu / one.cpu).toFixed(2)} per CPU-s (goal >= 4); on 2 threads ${fmt(many2)}, ratio ${(many2.wall / one.wall).toFixed(2)} wall`,
    );
  }
  // 3. the worker vs in-thread, and how long the event loop goes without a timer firing.
  const w = new GenerationWorker(model);
  try {
    const viaWorker = (k: number) => w.generate(prompt, { maxTokens: k, temperature: 1, seed: 1 });
    // Twice: the second call reuses the first's prompt (prefix cache), which builds the
    // prefill-chunk graph once; neither start-up cost is what we time.
    await viaWorker(4);
    await viaWorker(4);
    let inThread = zero;
    let worker = zero;
    let gap = 0;
    let ticks = 0;
    for (let r = 0; r < reps; r++) {
      inThread = best(inThread, await rate(single));
      let last = performance.now();
      let maxGap = 0;
      const timer = setInterval(() => {
        const now = performance.now();
        maxGap = Math.max(maxGap, now - last);
        last = now;
        ticks++;
      }, 2);
      worker = best(worker, await rate(viaWorker));
      clearInterval(timer);
      gap = Math.max(gap, maxGap, performance.now() - last);
    }
    console.log(
      `3. worker: ${fmt(worker)} vs in-thread ${fmt(inThread)}; ratio = ${(worker.wall / inThread.wall).toFixed(2)} wall; event loop: ${ticks} timer ticks (2 ms interval), longest gap ${gap.toFixed(1)} ms (in-thread, the loop is blocked for the whole generation)`,
    );
    // Continuous batching: G separate requests in flight at once (e.g. G episodes at a turn)
    // share the worker's batched steps.
    const concurrent = (k: number) =>
      Promise.all(
        Array.from({ length: G }, (_, i) =>
          w.generate(prompt, { maxTokens: k, temperature: 1, seed: i }),
        ),
      );
    await concurrent(4);
    let conc = zero;
    for (let r = 0; r < reps; r++) conc = best(conc, await rate(concurrent, G));
    console.log(
      `3b. ${G} concurrent requests through the worker: ${fmt(conc)}; ratio to one request = ${(conc.wall / worker.wall).toFixed(2)} wall, ${(conc.cpu / worker.cpu).toFixed(2)} per CPU-s`,
    );
  } finally {
    await w.close();
  }
  // 3c. No prefix cache: each call runs its own 192 tokens again (after the block), so
  // time(n) - time(1) is the decode steps alone.
  const w2 = new GenerationWorker(model, { prefixCacheMB: 0 });
  try {
    const long = promptOf(longLen);
    const turn = (i: number) =>
      long.concat(Array.from({ length: 192 }, (_, t) => (t * 53 + i * 977 + 11) % 4096));
    await w2.generateGroup(long, G, { maxTokens: 1 }); // the group's first turn: its segment
    const many = (k: number) =>
      Promise.all(
        Array.from({ length: G }, (_, i) =>
          w2.generate(turn(i), { maxTokens: k, temperature: 1, seed: i }),
        ),
      );
    const one = (k: number) => w2.generate(turn(0), { maxTokens: k, temperature: 1, seed: 0 });
    await many(2);
    let r1 = zero;
    let rG = zero;
    for (let r = 0; r < reps; r++) {
      r1 = best(r1, await rate(one));
      rG = best(rG, await rate(many, G));
    }
    const st = await w2.stats();
    console.log(
      `3c. later turn of a group of ${G} (prompt ${longLen} + 192 own tokens a row, through the worker, ${st.sharedAttached} requests continued the block): ${fmt(rG)} vs one request ${fmt(r1)}; ratio = ${(rG.wall / r1.wall).toFixed(2)} wall, ${(rG.cpu / r1.cpu).toFixed(2)} per CPU-s`,
    );
  } finally {
    await w2.close();
  }
  console.log(
    `load average after: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

// What limits a batched group's speed-up over one sequence (the issue's >= 4x goal), on
// the shape of generate.bench.ts: CPU time of one decode step, split by what it does.
//  a. one sequence's step (B = 1, prompt in its own cache) and sampling one row;
//  b. a group's step (B = G rows over the prompt in the shared block, own suffixes);
//     The same step over a 1-token block splits its attention into the rows' own suffixes
//     (+ the shared graph's fixed nodes) and the prompt's block;
//  c. the same network for B = 1 and B = G with attention removed (the weight matmuls,
//     norms, logits and softmaxes): what a step would cost if attention were free.
// Ratios printed: the measured group / single rate, and the ceiling if attention cost
// nothing (sampling included in both).
//  d. a later turn of the group (an RL rollout's turn 2): each row's history has diverged
//     after the prompt (its own `hist` tokens); rows continuing the prompt's block segment
//     (attachShared + extend, as the worker does) vs each row holding a copy of the prompt
//     (prefill of the whole history, as before), and one such sequence alone. Steps are averaged over 128 tokens decoded after
// the prompt, as in generation; engines alternate, each keeps its median of `reps` rounds.
// Usage: node dist/bench/group-limits.bench.js [prompt, default 448] [G, default 8] [reps, default 5] [hist, default 192]
import { loadavg } from 'node:os';

const P = Number(process.argv[2] ?? 448);
const G = Number(process.argv[3] ?? 8);
const reps = Number(process.argv[4] ?? 5);
const hist = Number(process.argv[5] ?? 192);
const steps = 128;

const { validateConfig, deriveConfig } = await import('../src/lm/config.js');
const { initModel } = await import('../src/lm/model.js');
const { BatchDecoder } = await import('../src/lm/decode-batch.js');
const { GraphBuilder, networkGraph } = await import('../src/lm/decode-graph.js');
const { ortGraph, ortTensor } = await import('../src/lm/kernels/ort.js');
const { sampleDist } = await import('../src/lm/sample.js');
const { Rng } = await import('../src/lm/rng.js');

const config = validateConfig({
  ...deriveConfig(4, { dim: 256, nHeads: 4, nKvHeads: 4, vocabSize: 4096, maxSeqLen: 2048 }),
  ffnDim: 704,
});
const model = initModel(config, 1);
const prompt = Array.from({ length: P }, (_, i) => (i * 37) % config.vocabSize);
const cpuUs = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];

/** CPU-us per step of `steps` steps of B rows after the prompt (shared block when B > 1). */
function stepCost(B: number, block = prompt): number {
  const d = new BatchDecoder(model, B);
  if (B > 1) {
    d.setShared(block);
    for (let r = 0; r < B; r++) d.attachShared(r);
  } else d.prefill(0, prompt);
  const ids = Array.from({ length: B }, (_, i) => 5 + i);
  const t0 = cpuUs();
  for (let s = 0; s < steps; s++) d.step(ids, B);
  return (cpuUs() - t0) / steps;
}

// The network without attention (the layer's output is its query): weights and the rest.
const noAtt = ortGraph(
  networkGraph(
    config,
    model.paramSet,
    { feeds: [], lastRowOnly: false, layer: (_l, q) => q },
    new GraphBuilder(),
  ),
);
function noAttCost(B: number): number {
  const V = config.vocabSize;
  const nqk = 2 * config.dim;
  const f = (n: number) => new Float32Array(n).fill(0.01);
  const feeds = {
    x: ortTensor(f(B * config.dim), [B, config.dim]),
    cos: ortTensor(f(B * nqk), [B, nqk]),
    sin: ortTensor(f(B * nqk), [B, nqk]),
    invT: ortTensor(f(B).fill(1), [B, 1]),
  };
  const fetches = {
    logits: ortTensor(f(B * V), [B, V]),
    probs: ortTensor(f(B * V), [B, V]),
    logp: ortTensor(f(B * V), [B, V]),
    kv: ortTensor(f(2 * config.nLayers * B * config.dim), [2 * config.nLayers * B, config.dim]),
  };
  const t0 = cpuUs();
  for (let s = 0; s < steps; s++) noAtt.run(feeds, fetches);
  return (cpuUs() - t0) / steps;
}

/** Row r's turn-2 history after the prompt: distinct per row, as sampled completions are. */
const histOf = (r: number) =>
  Array.from({ length: hist }, (_, i) => (i * 53 + r * 977 + 11) % 4096);
/** CPU-us per step over `steps` steps of a later turn: B rows over the block (shared) or copies. */
function turnCost(B: number, shared: boolean): number {
  const d = new BatchDecoder(model, B);
  if (shared) {
    d.setShared(prompt);
    for (let r = 0; r < B; r++) {
      d.attachShared(r);
      d.extend(r, histOf(r));
    }
  } else for (let r = 0; r < B; r++) d.prefill(r, prompt.concat(histOf(r)));
  const ids = Array.from({ length: B }, (_, i) => 5 + i);
  const t0 = cpuUs();
  for (let s = 0; s < steps; s++) d.step(ids, B);
  return (cpuUs() - t0) / steps;
}

/** CPU-us to sample one row (temperature 1, top-p 1) from a softmax over the vocabulary. */
function sampleCost(): number {
  const V = config.vocabSize;
  const logits = Float32Array.from({ length: V }, (_, i) => Math.sin(i * 1.7) * 3);
  let z = 0;
  for (const x of logits) z += Math.exp(x);
  const probs = logits.map((x) => Math.exp(x) / z);
  const logp = logits.map((x) => x - Math.log(z));
  const rng = new Rng(1);
  const n = 2000;
  const t0 = cpuUs();
  for (let i = 0; i < n; i++) sampleDist(probs, logp, 1, 1, rng);
  return (cpuUs() - t0) / n;
}

const m: Record<string, number[]> = {
  s1: [],
  sG: [],
  s0: [],
  n1: [],
  nG: [],
  smp: [],
  t1: [],
  tB: [],
  tC: [],
};
stepCost(1);
stepCost(G);
noAttCost(1);
noAttCost(G);
for (let r = 0; r < reps; r++) {
  m.s1.push(stepCost(1));
  m.sG.push(stepCost(G));
  m.s0.push(stepCost(G, prompt.slice(0, 1)));
  m.n1.push(noAttCost(1));
  m.nG.push(noAttCost(G));
  m.smp.push(sampleCost());
  m.t1.push(turnCost(1, false));
  m.tB.push(turnCost(G, true));
  m.tC.push(turnCost(G, false));
}
const [s1, sG, s0, n1, nG, smp, t1, tB, tC] = Object.keys(m).map((k) => median(m[k]));
const f0 = (x: number) => x.toFixed(0);
console.log(
  `prompt ${P}, ${steps} tokens decoded, G ${G}, medians of ${reps}; load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
console.log(
  `step B=1: ${f0(s1)} CPU-us (attention ${f0(s1 - n1)}, rest ${f0(n1)}); sampling ${smp.toFixed(1)} per row`,
);
console.log(
  `step B=${G} (shared block): ${f0(sG)} CPU-us (attention ${f0(sG - nG)}: own suffixes ${f0(s0 - nG)}, prompt block ${f0(sG - s0)}; rest ${f0(nG)} = ${(nG / n1).toFixed(2)}x the B=1 rest)`,
);
const one = s1 + smp;
console.log(
  `group/single tokens per CPU-s: measured ${((G * one) / (sG + G * smp)).toFixed(2)}; with attention free ${((G * one) / (nG + G * smp)).toFixed(2)} (goal >= 4)`,
);
const rate = (step: number, rows: number) => rows / (step + rows * smp);
console.log(
  `later turn (${hist} own tokens a row after the prompt): one sequence ${f0(t1)} CPU-us a step; ${G} rows over the block ${f0(tB)}, with prompt copies ${f0(tC)}; group/single ${(rate(tB, G) / rate(t1, 1)).toFixed(2)} over the block, ${(rate(tC, G) / rate(t1, 1)).toFixed(2)} with copies`,
);

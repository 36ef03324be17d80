// One decode step of the whole network as a single ONNX graph: B rows (sequences), each one
// new token attending over its own cached keys/values. One native call per step instead of
// ~20 kernel calls plus JS attention: at this model size the per-call overheads, not the
// FLOPs, were the cost (measured in dev/LOG.md "gen"). Weights are baked in as transposed
// initializers so onnxruntime prepacks them once per session; the session is rebuilt when
// the weights change (see fingerprint in decode-batch.ts).
//
// Feeds: x [B, D] (embedding rows), cos/sin [B, (H + Hkv) * hd] (each row's position, each
// pair's value twice, repeated per head: see qkvProj), and
// per layer the caches read in place: pk<l> [B, Hkv, hd, T] (keys transposed), pv<l>
// [B, Hkv, T, hd], with T the cache capacity, mask [B, 1, 1, T] (0 over a row's cached
// positions, -1e30 beyond), splitT = [T, 1] and invT [B, 1] (1 / each row's temperature). Fetches:
// logits [B, V], probs and logp [B, V] (softmax and log-softmax of logits * invT), and kv
// [2 * layers, B, Hkv * hd]: per layer the new token's rotated key, then its value, which
// the caller writes into the caches.
import { headDim, type ModelConfig } from './config.js';
import type { OnnxNode, OnnxTensor, OnnxValue } from './kernels/onnx.js';
import { encodeModel } from './kernels/onnx.js';
import type { ParamSet } from './params.js';

const i64 = (name: string, v: number[]): OnnxTensor => ({
  name,
  dims: [v.length],
  data: BigInt64Array.from(v.map(BigInt)),
});
const f32 = (name: string, v: number[]): OnnxTensor => ({
  name,
  dims: [v.length],
  data: Float32Array.from(v),
});

/** w [rows, cols] -> w^T [cols, rows] as a named initializer. */
function transposed(name: string, w: Float32Array, rows: number, cols: number): OnnxTensor {
  const t = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) t[c * rows + r] = w[o + c];
  }
  return { name, dims: [cols, rows], data: t };
}

/**
 * The fused input projection [D, NQK + NV] for one layer: columns q*scale | k | v, so the
 * attention scale costs nothing. RoPE is then y*cos + (y P)*sin with cos/sin repeated per
 * pair and P (ropePairs) mapping each pair (y0, y1) to (-y1, y0).
 */
function qkvProj(c: ModelConfig, p: ParamSet, l: number): OnnxTensor {
  const hd = headDim(c);
  const D = c.dim;
  const nq = c.nHeads * hd;
  const nqk = (c.nHeads + c.nKvHeads) * hd;
  const nv = c.nKvHeads * hd;
  const q0 = p.views.get(`blk.${l}.attn_q.weight`) as Float32Array;
  const base = (q0.byteOffset - p.flat.byteOffset) / 4;
  const src = p.flat.subarray(base, base + (nqk + nv) * D);
  const N = nqk + nv;
  const t = new Float32Array(D * N);
  const scale = 1 / Math.sqrt(hd);
  for (let r = 0; r < N; r++) {
    const k = r < nq ? scale : 1;
    for (let d = 0; d < D; d++) t[d * N + r] = k * src[r * D + d];
  }
  return { name: `wqkv${l}`, dims: [D, N], data: t };
}

/**
 * P [hd, hd] with (y P)[2i] = -y[2i+1] and (y P)[2i+1] = y[2i]: one small MatMul over every
 * head's row rotates the pairs, exactly (one nonzero term per output). It replaced weight
 * columns computing (x W) P directly, which made the projection 1.67x wider: at one row a
 * token the weight bytes read are the cost.
 */
function ropePairs(hd: number): OnnxTensor {
  const t = new Float32Array(hd * hd);
  for (let i = 0; i < hd; i += 2) {
    t[(i + 1) * hd + i] = -1;
    t[i * hd + i + 1] = 1;
  }
  return { name: 'ropeP', dims: [hd, hd], data: t };
}

/** What a caller's attention adds to the shared network: names in, the attention output out. */
export interface Attention {
  /** Feeds beyond x/cos/sin/invT (the cache and masks). */
  feeds: OnnxValue[];
  /** The layer's attention [rows, H * hd] from rotated q [rows, H*hd], k and v [rows, Hkv*hd]. */
  layer(l: number, q: string, k: string, v: string, g: GraphBuilder): string;
  /** Rows whose logits are fetched: every row (decode step) or only the last (a chunk). */
  lastRowOnly: boolean;
}

/** Node and initializer lists being built, with a fresh-name helper. */
export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly inits: OnnxTensor[] = [];
  private n = 0;
  op(type: string, inputs: string[], attrs?: OnnxNode['attrs'], outs = 1): string[] {
    const outputs = Array.from({ length: outs }, (_, i) => `t${this.n}_${i}`);
    this.n++;
    this.nodes.push({ op: type, inputs, outputs, ...(attrs ? { attrs } : {}) });
    return outputs;
  }
  one(type: string, inputs: string[], attrs?: OnnxNode['attrs']): string {
    return this.op(type, inputs, attrs)[0];
  }
  i64(name: string, v: number[]): void {
    this.inits.push(i64(name, v));
  }
}

/**
 * The whole network over `rows` new tokens (x [rows, D]): the decode step (one token per
 * sequence) and the prefill chunk (consecutive tokens of one sequence) differ only in
 * attention. Fetches logits / probs / logp (all rows, or the last) and kv
 * [2 * layers, rows, Hkv * hd].
 */
export function networkGraph(
  c: ModelConfig,
  p: ParamSet,
  att: Attention,
  g: GraphBuilder,
): Uint8Array {
  const hd = headDim(c);
  const H = c.nHeads;
  const Hkv = c.nKvHeads;
  const D = c.dim;
  const F = c.ffnDim;
  const nqk = (H + Hkv) * hd;
  const w = (n: string) => p.views.get(n) as Float32Array;
  const { nodes, inits } = g;
  inits.push(
    i64('splitQkv', [nqk, Hkv * hd]),
    i64('shHead', [-1, hd]),
    i64('shQk', [-1, nqk]),
    ropePairs(hd),
    i64('splitQk', [H * hd, Hkv * hd]),
    i64('splitGu', [F, F]),
    f32('two', [2]),
    f32('eps', [c.normEps]),
  );
  const op = g.op.bind(g);
  const one = g.one.bind(g);
  // The pattern onnxruntime fuses into SimplifiedLayerNormalization.
  const rmsnorm = (x: string, weight: string): string => {
    inits.push({ name: weight, dims: [D], data: w(weight) });
    const ms = one('ReduceMean', [one('Pow', [x, 'two'])], { axes: { ints: [-1] } });
    const r = one('Sqrt', [one('Add', [ms, 'eps'])]);
    return one('Mul', [one('Div', [x, r]), weight]);
  };
  const fetches: OnnxValue[] = [{ name: 'logits', dims: ['B', c.vocabSize] }];
  const feeds: OnnxValue[] = [
    // A chunk samples from its last row only: one temperature.
    { name: 'invT', dims: [att.lastRowOnly ? 1 : 'B', 1] },
    { name: 'x', dims: ['B', D] },
    { name: 'cos', dims: ['B', nqk] },
    { name: 'sin', dims: ['B', nqk] },
    ...att.feeds,
  ];
  // Every layer's new key and value in one fetch: each fetched tensor costs the binding ~1.5 us.
  const kvParts: string[] = [];
  let x = 'x';
  for (let l = 0; l < c.nLayers; l++) {
    const b = `blk.${l}.`;
    inits.push(qkvProj(c, p, l));
    const [qk, v] = op(
      'Split',
      [one('MatMul', [rmsnorm(x, `${b}attn_norm.weight`), `wqkv${l}`]), 'splitQkv'],
      { axis: { i: 1 } },
      2,
    );
    const qkP = one('Reshape', [one('MatMul', [one('Reshape', [qk, 'shHead']), 'ropeP']), 'shQk']);
    const roped = one('Add', [one('Mul', [qk, 'cos']), one('Mul', [qkP, 'sin'])]);
    const [q, k] = op('Split', [roped, 'splitQk'], { axis: { i: 1 } }, 2);
    // Concatenated rows [2 * layers * B, Hkv * hd] are laid out as [2 * layers, B, Hkv * hd].
    kvParts.push(k, v);
    const a = att.layer(l, q, k, v, g);
    inits.push(transposed(`wo${l}`, w(`${b}attn_output.weight`), D, H * hd));
    const mid = one('Add', [x, one('MatMul', [a, `wo${l}`])]);
    const g0 = w(`${b}ffn_gate.weight`);
    const gOff = (g0.byteOffset - p.flat.byteOffset) / 4;
    inits.push(transposed(`wgu${l}`, p.flat.subarray(gOff, gOff + 2 * F * D), 2 * F, D));
    const [gate, u] = op(
      'Split',
      [one('MatMul', [rmsnorm(mid, `${b}ffn_norm.weight`), `wgu${l}`]), 'splitGu'],
      { axis: { i: 1 } },
      2,
    );
    const h = one('Mul', [one('Mul', [gate, one('Sigmoid', [gate])]), u]);
    inits.push(transposed(`wd${l}`, w(`${b}ffn_down.weight`), D, F));
    x = one('Add', [mid, one('MatMul', [h, `wd${l}`])]);
  }
  if (att.lastRowOnly) {
    // Only the chunk's last token predicts anything we sample.
    inits.push(i64('lastS', [-1]), i64('lastE', [2 ** 62]), i64('axis0', [0]));
    x = one('Slice', [x, 'lastS', 'lastE', 'axis0']);
  }
  const outName = c.tiedEmbeddings ? 'token_embd.weight' : 'output.weight';
  inits.push(transposed('wout', w(outName), c.vocabSize, D));
  nodes.push({
    op: 'MatMul',
    inputs: [rmsnorm(x, 'output_norm.weight'), 'wout'],
    outputs: ['logits'],
  });
  nodes.push({ op: 'Concat', inputs: kvParts, outputs: ['kv'], attrs: { axis: { i: 0 } } });
  fetches.push({ name: 'kv', dims: ['LB', Hkv * hd] });
  // The sampler's distribution, vectorised here rather than V Math.exp calls per row in JS.
  const scaled = one('Mul', ['logits', 'invT']);
  nodes.push({ op: 'Softmax', inputs: [scaled], outputs: ['probs'], attrs: { axis: { i: -1 } } });
  nodes.push({ op: 'LogSoftmax', inputs: [scaled], outputs: ['logp'], attrs: { axis: { i: -1 } } });
  fetches.push(
    { name: 'probs', dims: ['B', c.vocabSize] },
    { name: 'logp', dims: ['B', c.vocabSize] },
  );
  return encodeModel(nodes, feeds, fetches, inits);
}

/** Serialises the decode-step graph for `c` with the weights in `p`. */
export function decodeStepGraph(c: ModelConfig, p: ParamSet): Uint8Array {
  const hd = headDim(c);
  const H = c.nHeads;
  const Hkv = c.nKvHeads;
  const grp = H / Hkv;
  const g = new GraphBuilder();
  g.i64('shQ', [0, Hkv, grp, hd]);
  g.i64('shKt', [0, Hkv, hd, 1]);
  g.i64('shV', [0, Hkv, 1, hd]);
  g.i64('shO', [0, H * hd]);
  const feeds: OnnxValue[] = [
    { name: 'mask', dims: ['B', 1, 1, 'T'] },
    { name: 'splitT', dims: [2], elemType: 7 },
  ];
  for (let l = 0; l < c.nLayers; l++)
    feeds.push(
      { name: `pk${l}`, dims: ['B', Hkv, hd, 'T'] },
      { name: `pv${l}`, dims: ['B', Hkv, 'T', hd] },
    );
  return networkGraph(
    c,
    p,
    {
      feeds,
      lastRowOnly: false,
      layer(l, q, k, v, g) {
        const one = g.one.bind(g);
        // The query heads of a kv head as the rows of MatMul's A, the cache (keys transposed)
        // as B, read in place: with A a single row MLAS runs a GEMV that streams B once (an
        // [T, hd] @ [hd, 1] MatMul instead pads N = 1 to the kernel's 16 columns). The new
        // token's key and value are added separately; softmax runs over the last axis.
        const q4 = one('Reshape', [q, 'shQ']);
        const sPast = one('Add', [one('MatMul', [q4, `pk${l}`]), 'mask']);
        const sNew = one('MatMul', [q4, one('Reshape', [k, 'shKt'])]);
        const pr = one('Softmax', [one('Concat', [sPast, sNew], { axis: { i: 3 } })], {
          axis: { i: 3 },
        });
        const [pPast, pNew] = g.op('Split', [pr, 'splitT'], { axis: { i: 3 } }, 2);
        const vNew = one('Mul', [pNew, one('Reshape', [v, 'shV'])]);
        const o = one('Add', [one('MatMul', [pPast, `pv${l}`]), vNew]);
        // [B, Hkv, grp, hd] is already head-major (head h = kv head * grp + g).
        return one('Reshape', [o, 'shO']);
      },
    },
    g,
  );
}

/**
 * Serialises the prefill-chunk graph: Q consecutive tokens of one sequence (x [Q, D], cos /
 * sin per position) attending over that sequence's cache (pk<l> [1, Hkv, hd, T], pv<l>
 * [1, Hkv, T, hd], pmask [1, 1, 1, T] as in the step graph) and causally over each other
 * (cmask [grp * Q, Q]: row g*Q + i is 0 for keys j <= i, -1e30 after; splitT = [T, Q]). So
 * a conversation's next turn computes only its new tokens. Fetches: logits / probs / logp
 * [1, V] of the last token, kv [2 * layers, Q, Hkv * hd].
 */
export function decodeChunkGraph(c: ModelConfig, p: ParamSet): Uint8Array {
  const hd = headDim(c);
  const H = c.nHeads;
  const Hkv = c.nKvHeads;
  const grp = H / Hkv;
  const g = new GraphBuilder();
  g.i64('shQ4', [0, Hkv, grp, hd]);
  g.i64('shQ', [1, Hkv, -1, hd]);
  g.i64('shK3', [0, Hkv, hd]);
  g.i64('shKt', [1, Hkv, hd, -1]);
  g.i64('shV', [1, Hkv, -1, hd]);
  g.i64('shO4', [Hkv, grp, -1, hd]);
  g.i64('shO', [-1, H * hd]);
  const feeds: OnnxValue[] = [
    { name: 'pmask', dims: [1, 1, 1, 'T'] },
    { name: 'cmask', dims: ['GB', 'B'] },
    { name: 'splitT', dims: [2], elemType: 7 },
  ];
  for (let l = 0; l < c.nLayers; l++)
    feeds.push(
      { name: `pk${l}`, dims: [1, Hkv, hd, 'T'] },
      { name: `pv${l}`, dims: [1, Hkv, 'T', hd] },
    );
  return networkGraph(
    c,
    p,
    {
      feeds,
      lastRowOnly: true,
      layer(l, q, k, v, g) {
        const one = g.one.bind(g);
        const tr = (x: string, perm: number[]) => one('Transpose', [x], { perm: { ints: perm } });
        // Queries as rows [Hkv, grp * Q, hd] (row g*Q + i), keys [Hkv, hd, Q], values [Hkv, Q, hd].
        const q4 = one('Reshape', [tr(one('Reshape', [q, 'shQ4']), [1, 2, 0, 3]), 'shQ']);
        const kT = one('Reshape', [tr(one('Reshape', [k, 'shK3']), [1, 2, 0]), 'shKt']);
        const v4 = one('Reshape', [tr(one('Reshape', [v, 'shK3']), [1, 0, 2]), 'shV']);
        const sPast = one('Add', [one('MatMul', [q4, `pk${l}`]), 'pmask']);
        const sNew = one('Add', [one('MatMul', [q4, kT]), 'cmask']);
        const pr = one('Softmax', [one('Concat', [sPast, sNew], { axis: { i: 3 } })], {
          axis: { i: 3 },
        });
        const [pPast, pNew] = g.op('Split', [pr, 'splitT'], { axis: { i: 3 } }, 2);
        const o = one('Add', [one('MatMul', [pPast, `pv${l}`]), one('MatMul', [pNew, v4])]);
        // [Hkv, grp, Q, hd] -> [Q, Hkv, grp, hd] -> [Q, H * hd] (head h = kv head * grp + g).
        return one('Reshape', [tr(one('Reshape', [o, 'shO4']), [2, 0, 1, 3]), 'shO']);
      },
    },
    g,
  );
}

// Incremental decoding with a KV cache, kernel by kernel: the prompt goes through the
// batched forward (big GEMMs + the attention kernel), then each new token is one row
// through every layer, attending over the cached keys/values in JS. The reference for the
// fast path (decode-batch.ts, one ONNX graph per step) and the fallback without onnxruntime.
import { allocActs } from './acts.js';
import { headDim } from './config.js';
import type { Kernels } from './kernels/types.js';
import { forward, type Net } from './network.js';
import { rmsnormForward } from './ops/rmsnorm.js';
import { ropeRotate } from './ops/rope.js';
import type { ParamSet } from './params.js';

/** Keys and values of every layer, [Hkv, maxT, hd] each, filled up to `len` positions. */
export class Decoder {
  len = 0;
  private readonly k: Float32Array[];
  private readonly v: Float32Array[];
  /** f64 accumulator of one head's attention output. */
  private readonly acc: Float64Array;
  private readonly buf: Record<
    'x' | 'xn' | 'qkv' | 'att' | 'tmp' | 'gu' | 'h' | 'logits' | 'scores',
    Float32Array
  >;

  constructor(
    readonly net: Net,
    readonly p: ParamSet,
    /** Kernels for the one-row steps. @default net.K */
    private readonly stepK: Kernels = net.K,
  ) {
    const c = net.config;
    const hd = headDim(c);
    const size = c.nKvHeads * c.maxSeqLen * hd;
    this.k = Array.from({ length: c.nLayers }, () => new Float32Array(size));
    this.v = Array.from({ length: c.nLayers }, () => new Float32Array(size));
    this.acc = new Float64Array(hd);
    const f = (n: number) => new Float32Array(n);
    this.buf = {
      x: f(c.dim),
      xn: f(c.dim),
      qkv: f((c.nHeads + 2 * c.nKvHeads) * hd),
      att: f(c.nHeads * hd),
      tmp: f(c.dim),
      gu: f(2 * c.ffnDim),
      h: f(c.ffnDim),
      logits: f(c.vocabSize),
      scores: f(c.maxSeqLen),
    };
  }

  /** An independent copy (cache and length), sharing weights and kernels. */
  clone(): Decoder {
    const d = new Decoder(this.net, this.p, this.stepK);
    for (let l = 0; l < this.k.length; l++) {
      d.k[l].set(this.k[l]);
      d.v[l].set(this.v[l]);
    }
    d.len = this.len;
    return d;
  }

  /** Runs the prompt (cache must be empty) and returns the logits [V] after its last token. */
  prefill(ids: ArrayLike<number>): Float32Array {
    const c = this.net.config;
    const T = ids.length;
    if (this.len !== 0) throw new Error('prefill needs an empty cache');
    if (T === 0) throw new Error('prompt is empty');
    if (T > c.maxSeqLen) throw new Error(`prompt of ${T} tokens exceeds maxSeqLen ${c.maxSeqLen}`);
    const a = allocActs(c, 1, T, false);
    forward(this.net, this.p, a, ids);
    const hd = headDim(c);
    const grp = c.nHeads / c.nKvHeads;
    for (let l = 0; l < c.nLayers; l++) {
      for (let j = 0; j < c.nKvHeads; j++) {
        // Kv head j appears (repeated) as query head j*grp in the forward's layout [H, T, hd].
        const src = j * grp * T * hd;
        this.k[l].set(a.attn[l].kh.subarray(src, src + T * hd), j * c.maxSeqLen * hd);
        this.v[l].set(a.attn[l].vh.subarray(src, src + T * hd), j * c.maxSeqLen * hd);
      }
    }
    this.len = T;
    return a.logits.slice((T - 1) * c.vocabSize, T * c.vocabSize);
  }

  /** Appends one token at position `len` and returns the next-token logits [V] (a view, reused). */
  step(id: number): Float32Array {
    const { net, p, buf } = this;
    const c = net.config;
    const { rope } = net;
    const K = this.stepK;
    const hd = headDim(c);
    const pos = this.len;
    if (pos >= c.maxSeqLen) throw new Error(`context full: maxSeqLen ${c.maxSeqLen} reached`);
    if (!(id >= 0 && id < c.vocabSize))
      throw new Error(`token id ${id} is outside the vocabulary [0, ${c.vocabSize})`);
    const w = (n: string) => p.views.get(n) as Float32Array;
    buf.x.set(w('token_embd.weight').subarray(id * c.dim, (id + 1) * c.dim));
    const grp = c.nHeads / c.nKvHeads;
    const scale = 1 / Math.sqrt(hd);
    for (let l = 0; l < c.nLayers; l++) {
      const b = `blk.${l}.`;
      rmsnormForward(buf.xn, buf.tmp, buf.x, w(`${b}attn_norm.weight`), 1, c.dim, c.normEps);
      const q0 = w(`${b}attn_q.weight`);
      const qkvW = p.flat.subarray(
        (q0.byteOffset - p.flat.byteOffset) / 4,
        (q0.byteOffset - p.flat.byteOffset) / 4 + buf.qkv.length * c.dim,
      );
      matvec(K, buf.qkv, buf.xn, qkvW, c.dim, buf.qkv.length);
      for (let h = 0; h < c.nHeads; h++)
        ropeRotate(buf.qkv, h * hd, buf.qkv, h * hd, pos, hd, rope.cos, rope.sin, false);
      for (let j = 0; j < c.nKvHeads; j++) {
        const dst = (j * c.maxSeqLen + pos) * hd;
        ropeRotate(
          this.k[l],
          dst,
          buf.qkv,
          (c.nHeads + j) * hd,
          pos,
          hd,
          rope.cos,
          rope.sin,
          false,
        );
        this.v[l].set(
          buf.qkv.subarray((c.nHeads + c.nKvHeads + j) * hd, (c.nHeads + c.nKvHeads + j + 1) * hd),
          dst,
        );
      }
      this.attend(l, pos, grp, hd, scale);
      matvec(K, buf.tmp, buf.att, w(`${b}attn_output.weight`), c.nHeads * hd, c.dim);
      for (let i = 0; i < c.dim; i++) buf.x[i] += buf.tmp[i];
      rmsnormForward(buf.xn, buf.tmp, buf.x, w(`${b}ffn_norm.weight`), 1, c.dim, c.normEps);
      const g0 = w(`${b}ffn_gate.weight`);
      const gOff = (g0.byteOffset - p.flat.byteOffset) / 4;
      matvec(
        K,
        buf.gu,
        buf.xn,
        p.flat.subarray(gOff, gOff + 2 * c.ffnDim * c.dim),
        c.dim,
        2 * c.ffnDim,
      );
      K.swigluForward(buf.h, buf.gu, 1, c.ffnDim);
      matvec(K, buf.tmp, buf.h, w(`${b}ffn_down.weight`), c.ffnDim, c.dim);
      for (let i = 0; i < c.dim; i++) buf.x[i] += buf.tmp[i];
    }
    rmsnormForward(buf.xn, buf.tmp, buf.x, w('output_norm.weight'), 1, c.dim, c.normEps);
    matvec(
      K,
      buf.logits,
      buf.xn,
      w(c.tiedEmbeddings ? 'token_embd.weight' : 'output.weight'),
      c.dim,
      c.vocabSize,
    );
    this.len = pos + 1;
    return buf.logits;
  }

  /** buf.att[H*hd] = softmax(q k^T * scale) v over cached positions 0..pos, per head. */
  private attend(l: number, pos: number, grp: number, hd: number, scale: number): void {
    const c = this.net.config;
    const K = this.k[l];
    const V = this.v[l];
    const q = this.buf.qkv;
    const sc = this.buf.scores;
    const acc = this.acc;
    for (let h = 0; h < c.nHeads; h++) {
      const base = Math.floor(h / grp) * c.maxSeqLen * hd;
      const qo = h * hd;
      let max = -Infinity;
      // Loops unrolled by two (hd is even): this is the decode step's main JS cost.
      for (let t = 0; t <= pos; t++) {
        let d0 = 0;
        let d1 = 0;
        const ko = base + t * hd;
        for (let i = 0; i < hd; i += 2) {
          d0 += q[qo + i] * K[ko + i];
          d1 += q[qo + i + 1] * K[ko + i + 1];
        }
        const x = (d0 + d1) * scale;
        sc[t] = x;
        if (x > max) max = x;
      }
      let sum = 0;
      for (let t = 0; t <= pos; t++) {
        sc[t] = Math.exp(sc[t] - max);
        sum += sc[t];
      }
      acc.fill(0);
      for (let t = 0; t <= pos; t++) {
        const pr = sc[t] / sum;
        const vo = base + t * hd;
        for (let i = 0; i < hd; i += 2) {
          acc[i] += pr * V[vo + i];
          acc[i + 1] += pr * V[vo + i + 1];
        }
      }
      const out = this.buf.att;
      for (let i = 0; i < hd; i++) out[qo + i] = acc[i];
    }
  }
}

/**
 * out[OC] = w[OC, C] @ x[C], as Gemm(w, x[C, 1]): with the weight as the A operand the
 * kernel streams it once, where x @ w^T (M = 1) first packs the whole weight (measured
 * 26 vs 38 us CPU for 768x256).
 */
function matvec(
  K: Kernels,
  out: Float32Array,
  x: Float32Array,
  w: Float32Array,
  C: number,
  OC: number,
): void {
  K.gemm(out, w, x, OC, 1, C, false, false, false);
}

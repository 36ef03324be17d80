// onnxruntime-node backend: GEMMs and the attention core as tiny ONNX graphs (built by
// onnx.ts, shapes symbolic so one session serves every size), run synchronously through
// the native binding (the public API wraps the same call in a promise + setImmediate,
// which costs a tick per matmul and would make every layer async).
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { encodeModel, type OnnxNode, type OnnxValue } from './onnx.js';
import type { Kernels } from './types.js';

export interface OrtTensor {
  data: Float32Array;
  dims: readonly number[];
}
interface NativeSession {
  loadModel(buf: ArrayBufferLike, off: number, len: number, opts: object): void;
  run(
    feeds: Record<string, OrtTensor>,
    fetches: Record<string, OrtTensor | null>,
    opts: object,
  ): Record<string, OrtTensor>;
}

const require = createRequire(import.meta.url);
type NativeModule = { binding: { InferenceSession: new () => NativeSession }; initOrt(): void };
let native: NativeModule | null = null;
let TensorCtor: new (
  type: 'float32' | 'int64',
  data: Float32Array | BigInt64Array,
  dims: number[],
) => OrtTensor;

function loadNative(): NativeModule {
  if (native) return native;
  const n = require('onnxruntime-node/dist/binding.js') as NativeModule;
  TensorCtor = (require('onnxruntime-common') as { Tensor: typeof TensorCtor }).Tensor;
  n.initOrt();
  native = n;
  return n;
}

/** A loaded ONNX graph; `run` writes into the preallocated fetch tensors (no copies). */
export interface OrtGraph {
  run(feeds: Record<string, OrtTensor>, fetches: Record<string, OrtTensor>): void;
}

/** Loads serialised ONNX bytes into a synchronous session (for whole-graph users such as the decoder). */
export function ortGraph(bytes: Uint8Array, opts: OrtKernelOptions = {}): OrtGraph {
  const ort = loadNative();
  const s = new ort.binding.InferenceSession();
  s.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, {
    intraOpNumThreads: opts.threads ?? 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    extra: {
      session: {
        intra_op: { allow_spinning: opts.spin ? '1' : '0' },
        inter_op: { allow_spinning: '0' },
      },
    },
  });
  return { run: (feeds, fetches) => void s.run(feeds, fetches, {}) };
}

/** A tensor over the caller's buffer (onnxruntime reads and writes it in place). */
export function ortTensor(data: Float32Array | BigInt64Array, dims: number[]): OrtTensor {
  loadNative();
  return new TensorCtor(data instanceof Float32Array ? 'float32' : 'int64', data, dims);
}

/** Options for the onnxruntime backend. */
export interface OrtKernelOptions {
  /** Intra-op threads per session. @default os.availableParallelism() */
  threads?: number;
  /**
   * Let idle pool threads spin between ops. Spinning wins on an idle machine; on a shared
   * one a spinning thread steals the core its partner needs (see dev/LOG.md "lm").
   * @default false
   */
  spin?: boolean;
}

const ONE = Float32Array.of(1);
/**
 * Largest output (floats) of one ORT call; bigger row-splittable calls are split. ORT
 * allocates each output then copies it into ours; glibc serves allocations over 32 MB
 * with a fresh mmap every time, and the page faults cost more than the op (measured:
 * a 32 MB Relu 150 ms with faults, 3 ms without). 256K floats (1 MB) also stays in L2 (measured: 2M-float blocks cost ~15% more CPU per step).
 */
/** Largest [G, T, T] block of one attention call: its intermediates stay small (same reason). */
const MAX_ATT = 1 << 18;
const MAX_OUT = 1 << 18;
const sym = (name: string, rank: number): OnnxValue => ({
  name,
  dims: Array.from({ length: rank }, (_, i) => `${name}${i}`),
});
const tr = (x: string, y: string): OnnxNode => ({
  op: 'Transpose',
  inputs: [x],
  outputs: [y],
  attrs: { perm: { ints: [0, 2, 1] } },
});

/** Builds the onnxruntime kernels (throws with the cause if onnxruntime-node cannot load). */
export function ortKernels(opts: OrtKernelOptions = {}): Kernels {
  const threads = opts.threads ?? availableParallelism();
  const ort = loadNative();
  const sessions = new Map<string, NativeSession>();
  const session = (
    key: string,
    nodes: OnnxNode[],
    inputs: OnnxValue[],
    outputs: OnnxValue[],
  ): NativeSession => {
    let s = sessions.get(key);
    if (!s) {
      const bytes = encodeModel(nodes, inputs, outputs);
      s = new ort.binding.InferenceSession();
      s.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        extra: {
          session: {
            intra_op: { allow_spinning: opts.spin ? '1' : '0' },
            inter_op: { allow_spinning: '0' },
          },
        },
      });
      sessions.set(key, s);
    }
    return s;
  };
  const t = (data: Float32Array, dims: number[]): OrtTensor =>
    new TensorCtor('float32', data, dims);
  let scratch = new Float32Array(0);
  let targets64 = new BigInt64Array(0);
  const masks = new Map<number, Float32Array>();
  const causalMask = (T: number): Float32Array => {
    let m = masks.get(T);
    if (!m) {
      m = new Float32Array(T * T);
      // -1e30, not -Infinity: exp underflows to exactly 0 without risking inf - inf = NaN.
      for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) m[i * T + j] = -1e30;
      masks.set(T, m);
    }
    return m;
  };

  const kernels: Kernels = {
    name: `onnxruntime(${threads} threads)`,
    gemm(C, A, B, M, N, K, transA, transB, accumulate) {
      if (!transA && M * N > MAX_OUT && M > 1) {
        const rows = Math.max(1, Math.floor(MAX_OUT / N));
        for (let r = 0; r < M; r += rows) {
          const m = Math.min(rows, M - r);
          kernels.gemm(C.subarray(r * N), A.subarray(r * K), B, m, N, K, false, transB, accumulate);
        }
        return;
      }
      const key = `gemm${+transA}${+transB}`;
      const s = session(
        key,
        [
          {
            op: 'Gemm',
            inputs: ['A', 'B'],
            outputs: ['Y'],
            attrs: { transA: { i: +transA }, transB: { i: +transB } },
          },
        ],
        [sym('A', 2), sym('B', 2)],
        [sym('Y', 2)],
      );
      let out = C.subarray(0, M * N);
      if (accumulate) {
        if (scratch.length < M * N) scratch = new Float32Array(M * N);
        out = scratch.subarray(0, M * N);
      }
      s.run(
        {
          A: t(A.subarray(0, M * K), transA ? [K, M] : [M, K]),
          B: t(B.subarray(0, K * N), transB ? [N, K] : [K, N]),
        },
        { Y: t(out, [M, N]) },
        {},
      );
      if (accumulate) for (let i = 0; i < M * N; i++) C[i] += out[i];
    },
    attnForward(out, probs, q, k, v, G, T, hd, scale) {
      if (G * T * T > MAX_ATT && G > 1) {
        const g = Math.max(1, Math.floor(MAX_ATT / (T * T)));
        for (let i = 0; i < G; i += g) {
          const n = Math.min(g, G - i);
          const o = i * T * hd;
          kernels.attnForward(
            out.subarray(o),
            probs.subarray(i * T * T),
            q.subarray(o),
            k.subarray(o),
            v.subarray(o),
            n,
            T,
            hd,
            scale,
          );
        }
        return;
      }
      const s = session(
        'attnF',
        [
          tr('k', 'kT'),
          { op: 'MatMul', inputs: ['q', 'kT'], outputs: ['s'] },
          { op: 'Mul', inputs: ['s', 'scale'], outputs: ['s2'] },
          { op: 'Add', inputs: ['s2', 'mask'], outputs: ['s3'] },
          { op: 'Softmax', inputs: ['s3'], outputs: ['p'], attrs: { axis: { i: -1 } } },
          { op: 'MatMul', inputs: ['p', 'v'], outputs: ['o'] },
        ],
        [sym('q', 3), sym('k', 3), sym('v', 3), sym('mask', 2), { name: 'scale', dims: [1] }],
        [sym('o', 3), sym('p', 3)],
      );
      const n = G * T * hd;
      s.run(
        {
          q: t(q.subarray(0, n), [G, T, hd]),
          k: t(k.subarray(0, n), [G, T, hd]),
          v: t(v.subarray(0, n), [G, T, hd]),
          mask: t(causalMask(T), [T, T]),
          scale: t(Float32Array.of(scale), [1]),
        },
        { o: t(out.subarray(0, n), [G, T, hd]), p: t(probs.subarray(0, G * T * T), [G, T, T]) },
        {},
      );
    },
    attnBackward(dq, dk, dv, dout, dsum, q, k, v, probs, G, T, hd, scale) {
      if (G * T * T > MAX_ATT && G > 1) {
        const g = Math.max(1, Math.floor(MAX_ATT / (T * T)));
        for (let i = 0; i < G; i += g) {
          const n = Math.min(g, G - i);
          const o = i * T * hd;
          const sub = (x: Float32Array) => x.subarray(o);
          kernels.attnBackward(
            sub(dq),
            sub(dk),
            sub(dv),
            sub(dout),
            dsum.subarray(i * T),
            sub(q),
            sub(k),
            sub(v),
            probs.subarray(i * T * T),
            n,
            T,
            hd,
            scale,
          );
        }
        return;
      }
      const s = session(
        'attnB',
        [
          tr('v', 'vT'),
          { op: 'MatMul', inputs: ['dout', 'vT'], outputs: ['dp'] },
          tr('p', 'pT'),
          { op: 'MatMul', inputs: ['pT', 'dout'], outputs: ['dv'] },
          { op: 'Sub', inputs: ['dp', 'dsum'], outputs: ['dd'] },
          { op: 'Mul', inputs: ['p', 'dd'], outputs: ['ds0'] },
          { op: 'Mul', inputs: ['ds0', 'scale'], outputs: ['ds'] },
          { op: 'MatMul', inputs: ['ds', 'k'], outputs: ['dq'] },
          tr('ds', 'dsT'),
          { op: 'MatMul', inputs: ['dsT', 'q'], outputs: ['dk'] },
        ],
        [
          sym('dout', 3),
          sym('dsum', 3),
          sym('q', 3),
          sym('k', 3),
          sym('v', 3),
          sym('p', 3),
          { name: 'scale', dims: [1] },
        ],
        [sym('dq', 3), sym('dk', 3), sym('dv', 3)],
      );
      const n = G * T * hd;
      const d3 = [G, T, hd];
      s.run(
        {
          dout: t(dout.subarray(0, n), d3),
          dsum: t(dsum.subarray(0, G * T), [G, T, 1]),
          q: t(q.subarray(0, n), d3),
          k: t(k.subarray(0, n), d3),
          v: t(v.subarray(0, n), d3),
          p: t(probs.subarray(0, G * T * T), [G, T, T]),
          scale: t(Float32Array.of(scale), [1]),
        },
        {
          dq: t(dq.subarray(0, n), d3),
          dk: t(dk.subarray(0, n), d3),
          dv: t(dv.subarray(0, n), d3),
        },
        {},
      );
    },
    softmaxXent(dlogits, picked, logits, targets, rowScale, N, V) {
      if (N * V > MAX_OUT && N > 1) {
        const rows = Math.max(1, Math.floor(MAX_OUT / V));
        for (let r = 0; r < N; r += rows) {
          const n = Math.min(rows, N - r);
          kernels.softmaxXent(
            dlogits.subarray(r * V),
            picked.subarray(r),
            logits.subarray(r * V),
            targets.subarray(r),
            rowScale.subarray(r),
            n,
            V,
          );
        }
        return;
      }
      const s = session(
        'xent',
        [
          { op: 'LogSoftmax', inputs: ['logits'], outputs: ['lsm'], attrs: { axis: { i: -1 } } },
          {
            op: 'GatherElements',
            inputs: ['lsm', 'targets'],
            outputs: ['picked'],
            attrs: { axis: { i: 1 } },
          },
          { op: 'Exp', inputs: ['lsm'], outputs: ['p'] },
          { op: 'Mul', inputs: ['p', 'rowScale'], outputs: ['d'] },
        ],
        [sym('logits', 2), { name: 'targets', dims: ['n', 1], elemType: 7 }, sym('rowScale', 2)],
        [sym('d', 2), sym('picked', 2)],
      );
      if (targets64.length < N) targets64 = new BigInt64Array(N);
      for (let i = 0; i < N; i++) targets64[i] = BigInt(targets[i]);
      s.run(
        {
          logits: t(logits.subarray(0, N * V), [N, V]),
          targets: new TensorCtor('int64', targets64.subarray(0, N), [N, 1]),
          rowScale: t(rowScale.subarray(0, N), [N, 1]),
        },
        { d: t(dlogits.subarray(0, N * V), [N, V]), picked: t(picked.subarray(0, N), [N, 1]) },
        {},
      );
    },
    swigluForward(h, gu, N, F) {
      const s = session(
        'swigluF',
        [
          { op: 'Split', inputs: ['gu'], outputs: ['g', 'u'], attrs: { axis: { i: 1 } } },
          { op: 'Sigmoid', inputs: ['g'], outputs: ['sg'] },
          { op: 'Mul', inputs: ['g', 'sg'], outputs: ['silu'] },
          { op: 'Mul', inputs: ['silu', 'u'], outputs: ['h'] },
        ],
        [sym('gu', 2)],
        [sym('h', 2)],
      );
      s.run(
        { gu: t(gu.subarray(0, N * 2 * F), [N, 2 * F]) },
        { h: t(h.subarray(0, N * F), [N, F]) },
        {},
      );
    },
    swigluBackward(dgu, dh, gu, N, F) {
      // dg = dh * u * s * (1 + g * (1 - s)), du = dh * g * s, with s = sigmoid(g).
      const s = session(
        'swigluB',
        [
          { op: 'Split', inputs: ['gu'], outputs: ['g', 'u'], attrs: { axis: { i: 1 } } },
          { op: 'Sigmoid', inputs: ['g'], outputs: ['sg'] },
          { op: 'Mul', inputs: ['g', 'sg'], outputs: ['silu'] },
          { op: 'Mul', inputs: ['dh', 'silu'], outputs: ['du'] },
          { op: 'Sub', inputs: ['g', 'silu'], outputs: ['gms'] },
          { op: 'Add', inputs: ['gms', 'one'], outputs: ['k'] },
          { op: 'Mul', inputs: ['sg', 'k'], outputs: ['dsilu'] },
          { op: 'Mul', inputs: ['dh', 'u'], outputs: ['dhu'] },
          { op: 'Mul', inputs: ['dhu', 'dsilu'], outputs: ['dg'] },
          { op: 'Concat', inputs: ['dg', 'du'], outputs: ['dgu'], attrs: { axis: { i: 1 } } },
        ],
        [sym('gu', 2), sym('dh', 2), { name: 'one', dims: [1] }],
        [sym('dgu', 2)],
      );
      s.run(
        {
          gu: t(gu.subarray(0, N * 2 * F), [N, 2 * F]),
          dh: t(dh.subarray(0, N * F), [N, F]),
          one: t(ONE, [1]),
        },
        { dgu: t(dgu.subarray(0, N * 2 * F), [N, 2 * F]) },
        {},
      );
    },
  };
  return kernels;
}

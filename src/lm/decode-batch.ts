// Longer than 400 lines: one class owns the cache layout (transposed keys, values, the
// mask, the shared prefix block) and every operation that reads or writes it.
// Batched KV-cache decoding: `capacity` slots, each a sequence with its own cache and
// length; one step advances slots 0..n-1 by one token each through the single-graph
// decode step (decode-graph.ts). Prompts go through the batched training forward
// (prefill), a shared prefix is prefilled once and copied to other slots (copySlot), and
// finished sequences are compacted away by moving the last active slot into their place.
// A group's prompt can instead live once in a shared block (addShared / attachShared; one
// segment per group prompt, decode-block.ts): each slot then caches only its own suffix,
// the step graph attends over the block for all rows at once (decode-shared.ts), and a
// later turn that starts with a segment attaches to it and extends its own cache.
import { allocActs } from './acts.js';
import type { LoadedModel } from './checkpoint.js';
import { headDim } from './config.js';
import { MAX_BLOCK, SharedBlock } from './decode-block.js';
import { decodeChunkGraph, decodeStepGraph } from './decode-graph.js';
import { decodeSharedGraph } from './decode-shared.js';
import { netFor } from './engine.js';
import { type OrtGraph, type OrtTensor, ortGraph, ortTensor } from './kernels/ort.js';
import { forward } from './network.js';

/** A cheap content hash of the weights: the step graph bakes them in, so a change must rebuild it. */
export function weightsFingerprint(flat: Float32Array): number {
  const u = new Int32Array(flat.buffer, flat.byteOffset, flat.length);
  let h = 0x811c9dc5 | 0;
  let g = 0x12345678 | 0;
  const n = u.length - (u.length % 2);
  // Two lanes for speed; the shifts fold high bits down (a plain FNV step lets sign flips cancel).
  for (let i = 0; i < n; i += 2) {
    h = Math.imul(h ^ u[i], 0x5bd1e995);
    h ^= h >>> 15;
    g = Math.imul(g ^ u[i + 1], 0x27d4eb2d);
    g ^= g >>> 13;
  }
  if (n < u.length) h = Math.imul(h ^ u[n], 0x5bd1e995);
  return (h ^ Math.imul(g ^ (g >>> 16), 0x85ebca6b)) >>> 0;
}

type Built = { fp: number; threads: number; graph: OrtGraph };
const builders = { step: decodeStepGraph, chunk: decodeChunkGraph, shared: decodeSharedGraph };
type GraphKind = keyof typeof builders;
const graphCaches = {
  step: new WeakMap<LoadedModel, Built>(),
  chunk: new WeakMap<LoadedModel, Built>(),
  shared: new WeakMap<LoadedModel, Built>(),
};

/** The model's graph of a kind, rebuilt when its weights (or the thread count) changed since the last call. */
function stepGraph(model: LoadedModel, threads: number, kind: GraphKind = 'step'): OrtGraph {
  const fp = weightsFingerprint(model.paramSet.flat);
  const cache = graphCaches[kind];
  const got = cache.get(model);
  if (got && got.fp === fp && got.threads === threads) return got.graph;
  const graph = ortGraph(builders[kind](model.config, model.paramSet), { threads });
  cache.set(model, { fp, threads, graph });
  return graph;
}

/** Tokens of one chunk-graph call: bounds its [H, cap + Q, Q] scores (8 MB a layer at cap 2048). */
const CHUNK = 256;

/** A slot's cached keys and values, detached from the batch: k [Hkv, hd, len], v [Hkv, len, hd] per layer. */
export interface SlotKv {
  len: number;
  k: Float32Array[];
  v: Float32Array[];
}

/** One sequence's cache as the chunk graph reads it: per layer keys [Hkv, hd, T] and values [Hkv, T, hd], mask [T]. */
interface CacheView {
  T: number;
  tra: Float32Array[];
  nat: Float32Array[];
  mask: Float32Array;
}

/** Options of a BatchDecoder. */
export interface BatchDecoderOptions {
  /** onnxruntime threads of the step graph; one row is too small to split. @default 1 */
  threads?: number;
}

/**
 * Slots of KV caches stepped together. Per layer the keys are [slots, Hkv, hd, cap]
 * (transposed) and the values [slots, Hkv, cap, hd]: both are the B operand of a MatMul
 * whose A is one row per query head (q @ K^T, p @ V), the shape MLAS runs as a GEMV;
 * `cap` grows by a quarter up to maxSeqLen, so attention works over at most 1.25x the
 * cached length (+32) while the graph reads the caches without a copy.
 */
export class BatchDecoder {
  /** Tokens cached per slot in its own cache (read-only for callers). */
  lens: Int32Array;
  /** Positions of its shared-block segment each slot uses before its own cache (0: none). */
  private base: Int32Array;
  /** Each slot's segment of the shared block (-1: none). */
  private seg: Int32Array;
  /** The shared prefix block: segments, per layer keys [Hkv, P, hd] and values transposed [Hkv, hd, P]. */
  private readonly shared: SharedBlock;
  /** [rows, 1, 1, P]: which block positions each row sees (decode-shared.ts). */
  private smask = new Float32Array(0);
  private sharedGraph: OrtGraph | null = null;
  private slots: number;
  private cap: number;
  /** Per layer the values, [slots, Hkv, cap, hd]: the B operand of probs @ V. */
  private nat: Float32Array[] = [];
  /** Per layer the keys transposed, [slots, Hkv, hd, cap]: the B operand of q @ K^T. */
  private tra: Float32Array[] = [];
  private mask = new Float32Array(0);
  private readonly graph: OrtGraph;
  private chunk: OrtGraph | null = null;
  private readonly threads: number;
  private x: Float32Array;
  /** Width of a row of cos/sin: the rotated q and k features. */
  private readonly ropeN: number;
  private cos: Float32Array;
  private sin: Float32Array;
  private logits: Float32Array;
  private probs: Float32Array;
  private logp: Float32Array;
  private invT: Float32Array;
  /** The step's new keys and values, [2 * layers, rows, Hkv * hd]. */
  private kv: Float32Array;
  /** Feed/fetch tensors; their shapes depend only on the active row count and `cap`. */
  private fixed = {
    key: '',
    feeds: {} as Record<string, OrtTensor>,
    fetches: {} as Record<string, OrtTensor>,
  };

  constructor(
    readonly model: LoadedModel,
    capacity: number,
    opts: BatchDecoderOptions = {},
  ) {
    const c = model.config;
    if (!(Number.isInteger(capacity) && capacity >= 1))
      throw new Error(`batch capacity must be a positive integer, got ${capacity}`);
    const hd = headDim(c);
    this.threads = opts.threads ?? 1;
    this.graph = stepGraph(model, this.threads);
    this.slots = capacity;
    this.lens = new Int32Array(capacity);
    this.base = new Int32Array(capacity);
    this.seg = new Int32Array(capacity).fill(-1);
    this.shared = new SharedBlock(c);
    const f = (n: number) => new Float32Array(n);
    this.cap = 0;
    this.grow(Math.min(c.maxSeqLen, 64));
    this.kv = f(2 * c.nLayers * capacity * c.nKvHeads * hd);
    this.x = f(capacity * c.dim);
    this.ropeN = (c.nHeads + c.nKvHeads) * hd;
    this.cos = f(capacity * this.ropeN);
    this.sin = f(capacity * this.ropeN);
    this.logits = f(capacity * c.vocabSize);
    this.invT = f(capacity).fill(1);
    this.probs = f(capacity * c.vocabSize);
    this.logp = f(capacity * c.vocabSize);
  }

  /** Number of slots (grows with reserve). */
  get capacity(): number {
    return this.slots;
  }

  /** Makes room for `slots` slots (doubling), keeping every slot's cache. */
  reserve(slots: number): void {
    if (slots <= this.slots) return;
    const c = this.model.config;
    const hd = headDim(c);
    const old = this.slots;
    const S = Math.max(slots, 2 * old);
    const per = c.nKvHeads * this.cap * hd;
    const more = (a: Float32Array, n: number) => {
      const b = new Float32Array(S * n);
      b.set(a.subarray(0, old * n));
      return b;
    };
    this.nat = this.nat.map((a) => more(a, per));
    this.tra = this.tra.map((a) => more(a, per));
    const mask = new Float32Array(S * this.cap).fill(-1e30);
    mask.set(this.mask.subarray(0, old * this.cap));
    this.mask = mask;
    const lens = new Int32Array(S);
    lens.set(this.lens);
    this.lens = lens;
    const base = new Int32Array(S);
    base.set(this.base);
    this.base = base;
    const seg = new Int32Array(S).fill(-1);
    seg.set(this.seg);
    this.seg = seg;
    const f = (n: number) => new Float32Array(S * n);
    this.kv = f(2 * c.nLayers * c.nKvHeads * hd);
    this.x = f(c.dim);
    this.cos = f(this.ropeN);
    this.sin = f(this.ropeN);
    this.logits = f(c.vocabSize);
    this.probs = f(c.vocabSize);
    this.logp = f(c.vocabSize);
    this.invT = f(1).fill(1);
    // Refilled every step: no contents to keep.
    this.smask = new Float32Array(S * this.shared.len);
    this.slots = S;
    this.fixed.key = '';
  }

  /** Runs `ids` into a slot (its old contents dropped) and returns the logits [V] after the last one (a copy). */
  prefill(slot: number, ids: ArrayLike<number>): Float32Array {
    const c = this.model.config;
    const T = ids.length;
    this.checkSlot(slot);
    if (T === 0) throw new Error('prompt is empty');
    if (T > c.maxSeqLen) throw new Error(`prompt of ${T} tokens exceeds maxSeqLen ${c.maxSeqLen}`);
    for (let i = 0; i < T; i++) checkId(ids[i], c.vocabSize);
    const a = allocActs(c, 1, T, false);
    forward(netFor(this.model), this.model.paramSet, a, ids);
    this.grow(Math.min(c.maxSeqLen, T + 1));
    const hd = headDim(c);
    const grp = c.nHeads / c.nKvHeads;
    const cap = this.cap;
    for (let l = 0; l < c.nLayers; l++) {
      const { kh, vh } = a.attn[l];
      for (let j = 0; j < c.nKvHeads; j++) {
        // Kv head j appears (repeated) as query head j*grp in the forward's layout [H, T, hd].
        const src = j * grp * T * hd;
        const base = (slot * c.nKvHeads + j) * hd * cap;
        this.nat[l].set(vh.subarray(src, src + T * hd), base);
        const K = this.tra[l];
        for (let t = 0; t < T; t++)
          for (let d = 0; d < hd; d++) K[base + d * cap + t] = kh[src + t * hd + d];
      }
    }
    this.mask.fill(0, slot * cap, slot * cap + T);
    this.mask.fill(-1e30, slot * cap + T, (slot + 1) * cap);
    this.lens[slot] = T;
    this.base[slot] = 0;
    this.seg[slot] = -1;
    return a.logits.slice((T - 1) * c.vocabSize, T * c.vocabSize);
  }

  /**
   * Runs `ids` into the shared block as its only segment (the old block dropped: slots that
   * used it must be refilled before the next step) and returns the logits [V] after the
   * last one (a copy).
   */
  setShared(ids: ArrayLike<number>): Float32Array {
    return (this.addShared(ids, 0, Infinity) as { logits: Float32Array }).logits.slice();
  }

  /**
   * Adds `ids` to the shared block as a segment, after dropping the segments no slot below
   * `live` uses (slots from `live` on must not use the block). A segment holding exactly
   * `ids` is reused (with live = 0 the block is always rebuilt: setShared). Returns its
   * index and the next-token logits after it (do not modify), or null when the block would
   * exceed `limit` positions.
   */
  addShared(
    ids: ArrayLike<number>,
    live: number,
    limit = MAX_BLOCK,
  ): { seg: number; logits: Float32Array } | null {
    const c = this.model.config;
    const T = ids.length;
    if (T === 0) throw new Error('prompt is empty');
    if (T > c.maxSeqLen) throw new Error(`prompt of ${T} tokens exceeds maxSeqLen ${c.maxSeqLen}`);
    for (let i = 0; i < T; i++) checkId(ids[i], c.vocabSize);
    const used = new Set<number>();
    for (let r = 0; r < live; r++) if (this.seg[r] >= 0) used.add(this.seg[r]);
    const same = this.shared.find(ids);
    if (same >= 0 && (used.has(same) || live > 0)) {
      // Already there (e.g. a second group on one prompt): keep it, drop nothing.
      return { seg: same, logits: this.shared.segs[same].logits };
    }
    const keep = [...used].sort((a, b) => a - b);
    const kept = keep.reduce((n, i) => n + this.shared.segs[i].len, 0);
    if (kept + T > limit) return null;
    const a = allocActs(c, 1, T, false);
    forward(netFor(this.model), this.model.paramSet, a, ids);
    const logits = a.logits.slice((T - 1) * c.vocabSize, T * c.vocabSize);
    const add = {
      ids: Array.from(ids),
      kh: a.attn.map((x) => x.kh),
      vh: a.attn.map((x) => x.vh),
      logits,
    };
    const map = this.shared.rebuild(keep, add);
    for (let r = 0; r < this.slots; r++) {
      const g = this.seg[r];
      if (g < 0) continue;
      // Slots from `live` on are free: their old segment may be gone.
      const to = r < live ? map[g] : -1;
      this.seg[r] = to;
      if (to < 0) this.base[r] = 0;
    }
    this.smask = new Float32Array(this.slots * this.shared.len);
    this.fixed.key = '';
    return { seg: this.shared.segs.length - 1, logits };
  }

  /** Length of the shared block, all segments (0: none). */
  get sharedLen(): number {
    return this.shared.len;
  }

  /** The block segment sharing the longest prefix with `ids` (>= min, <= ids.length - 1 positions), or null. */
  matchShared(ids: ArrayLike<number>, min: number): { seg: number; len: number } | null {
    return this.shared.match(ids, min);
  }

  /**
   * Makes a slot continue the first `len` positions of block segment `seg` (default: the
   * last one added) with an empty cache of its own.
   */
  attachShared(slot: number, len?: number, seg: number = this.shared.segs.length - 1): void {
    this.checkSlot(slot);
    const g = this.shared.segs[seg];
    if (!g) throw new Error(`attachShared: no block segment ${seg}`);
    const n = len ?? g.len;
    if (!(Number.isInteger(n) && n >= 1 && n <= g.len))
      throw new Error(`attachShared: ${n} positions of a ${g.len}-token block`);
    this.base[slot] = n;
    this.seg[slot] = seg;
    this.lens[slot] = 0;
    this.mask.fill(-1e30, slot * this.cap, (slot + 1) * this.cap);
  }

  /** True when one of slots 0..n-1 uses the shared block. */
  usesShared(n: number): boolean {
    for (let r = 0; r < n; r++) if (this.base[r] > 0) return true;
    return false;
  }

  /** Makes slot `to` a copy of slot `from` (cache and length): a shared prefix is computed once. */
  copySlot(from: number, to: number): void {
    this.checkSlot(from);
    this.checkSlot(to);
    if (from === to) return;
    const c = this.model.config;
    const n = c.nKvHeads * headDim(c) * this.cap;
    for (let l = 0; l < c.nLayers; l++) {
      this.nat[l].copyWithin(to * n, from * n, (from + 1) * n);
      this.tra[l].copyWithin(to * n, from * n, (from + 1) * n);
    }
    this.mask.copyWithin(to * this.cap, from * this.cap, (from + 1) * this.cap);
    this.lens[to] = this.lens[from];
    this.base[to] = this.base[from];
    this.seg[to] = this.seg[from];
  }

  /** A copy of the first `len` positions of a slot's sequence, shared block included (for a prefix cache). */
  readSlot(slot: number, len: number = this.base[slot] + this.lens[slot]): SlotKv {
    this.checkSlot(slot);
    const b = this.base[slot];
    if (!(len >= 0 && len <= b + this.lens[slot]))
      throw new Error(`readSlot: ${len} > ${b + this.lens[slot]} cached`);
    const c = this.model.config;
    const hd = headDim(c);
    const kvh = c.nKvHeads;
    const cap = this.cap;
    const out: SlotKv = { len, k: [], v: [] };
    const fromBlock = Math.min(len, b);
    const own = len - fromBlock;
    const P = this.shared.len;
    const at = b > 0 ? this.shared.segs[this.seg[slot]].start : 0;
    for (let l = 0; l < c.nLayers; l++) {
      const K = new Float32Array(kvh * hd * len);
      const V = new Float32Array(kvh * len * hd);
      for (let j = 0; j < kvh; j++) {
        if (fromBlock > 0) {
          const sk = this.shared.k[l];
          const sv = this.shared.v[l];
          for (let t = 0; t < fromBlock; t++)
            for (let d = 0; d < hd; d++) K[(j * hd + d) * len + t] = sk[(j * P + at + t) * hd + d];
          for (let d = 0; d < hd; d++)
            for (let t = 0; t < fromBlock; t++)
              V[(j * len + t) * hd + d] = sv[(j * hd + d) * P + at + t];
        }
        const base = (slot * kvh + j) * hd * cap;
        V.set(this.nat[l].subarray(base, base + own * hd), (j * len + fromBlock) * hd);
        for (let d = 0; d < hd; d++)
          K.set(
            this.tra[l].subarray(base + d * cap, base + d * cap + own),
            (j * hd + d) * len + fromBlock,
          );
      }
      out.k.push(K);
      out.v.push(V);
    }
    return out;
  }

  /** Makes a slot hold the first `len` positions of `kv` (its old contents dropped). */
  writeSlot(slot: number, kv: SlotKv, len: number = kv.len): void {
    this.checkSlot(slot);
    this.base[slot] = 0;
    this.seg[slot] = -1;
    this.copyIn(slot, kv, len);
  }

  /**
   * For a slot attached to the shared block (base positions): makes its own cache hold
   * positions base..len-1 of `kv`, a whole sequence (e.g. a prefix-cache entry) whose first
   * base positions are the block's.
   */
  writeOwn(slot: number, kv: SlotKv, len: number): void {
    this.checkSlot(slot);
    if (this.base[slot] === 0) throw new Error('writeOwn: the slot is not attached to the block');
    this.copyIn(slot, kv, len);
  }

  /** Own cache of `slot` = positions base[slot]..len-1 of `kv`. */
  private copyIn(slot: number, kv: SlotKv, len: number): void {
    const c = this.model.config;
    const from = this.base[slot];
    if (!(len > from && len <= kv.len && len <= c.maxSeqLen))
      throw new Error(`writeSlot: bad length ${len}`);
    const n = len - from;
    this.grow(n + 1);
    const hd = headDim(c);
    const kvh = c.nKvHeads;
    const cap = this.cap;
    const L = kv.len;
    for (let l = 0; l < c.nLayers; l++) {
      for (let j = 0; j < kvh; j++) {
        const base = (slot * kvh + j) * hd * cap;
        this.nat[l].set(kv.v[l].subarray((j * L + from) * hd, (j * L + len) * hd), base);
        for (let d = 0; d < hd; d++) {
          const o = (j * hd + d) * L + from;
          this.tra[l].set(kv.k[l].subarray(o, o + n), base + d * cap);
        }
      }
    }
    this.mask.fill(0, slot * cap, slot * cap + n);
    this.mask.fill(-1e30, slot * cap + n, (slot + 1) * cap);
    this.lens[slot] = n;
  }

  /**
   * Appends `ids` to a slot that already holds a prefix (positions lens[slot].., after its
   * block positions if it continues the shared block), computing only the new tokens
   * (chunks of the prefill graph over the slot's cache), and returns the logits [V] after
   * the last one (a copy); `dist(1)` then holds its distribution at temperature `temp`.
   */
  extend(slot: number, ids: ArrayLike<number>, temp = 1): Float32Array {
    const c = this.model.config;
    this.checkSlot(slot);
    const b = this.base[slot];
    const start = this.lens[slot];
    const Q = ids.length;
    if (b + start === 0) throw new Error('extend: the slot holds no prefix (prefill it)');
    if (Q === 0) throw new Error('extend: no tokens');
    if (b + start + Q > c.maxSeqLen)
      throw new Error(`prompt of ${b + start + Q} tokens exceeds maxSeqLen ${c.maxSeqLen}`);
    for (let i = 0; i < Q; i++) checkId(ids[i], c.vocabSize);
    this.chunk ??= stepGraph(this.model, this.threads, 'chunk');
    this.grow(start + Q + 1);
    this.invT[0] = temp > 0 ? 1 / temp : 1;
    const per = c.nKvHeads * headDim(c) * this.cap;
    const view: CacheView =
      b > 0
        ? this.blockView(slot, b + start + Q)
        : {
            T: this.cap,
            tra: this.tra.map((a) => a.subarray(slot * per, (slot + 1) * per)),
            nat: this.nat.map((a) => a.subarray(slot * per, (slot + 1) * per)),
            mask: this.mask.subarray(slot * this.cap, (slot + 1) * this.cap),
          };
    for (let o = 0; o < Q; o += CHUNK)
      this.runChunk(view, b + start + o, Array.prototype.slice.call(ids, o, o + CHUNK));
    if (b > 0) this.copyOwnBack(slot, view, b, start, Q);
    this.lens[slot] = start + Q;
    return this.logits.slice(0, c.vocabSize);
  }

  /**
   * One sequence's whole cache, for a slot attached to the block: its segment's first b
   * positions then its own, in a temporary cache of `need` positions (the chunk graph
   * attends over one cache; this is the cache a plain slot holding the sequence would have).
   */
  private blockView(slot: number, need: number): CacheView {
    const c = this.model.config;
    const hd = headDim(c);
    const kvh = c.nKvHeads;
    const T = Math.min(c.maxSeqLen, Math.ceil(need / 32) * 32);
    const b = this.base[slot];
    const own = this.lens[slot];
    const at = this.shared.segs[this.seg[slot]].start;
    const P = this.shared.len;
    const cap = this.cap;
    const tra: Float32Array[] = [];
    const nat: Float32Array[] = [];
    for (let l = 0; l < c.nLayers; l++) {
      const K = new Float32Array(kvh * hd * T);
      const V = new Float32Array(kvh * T * hd);
      const sk = this.shared.k[l];
      const sv = this.shared.v[l];
      for (let j = 0; j < kvh; j++) {
        for (let t = 0; t < b; t++)
          for (let d = 0; d < hd; d++) V[(j * T + t) * hd + d] = sv[(j * hd + d) * P + at + t];
        for (let t = 0; t < b; t++)
          for (let d = 0; d < hd; d++) K[(j * hd + d) * T + t] = sk[(j * P + at + t) * hd + d];
        const src = (slot * kvh + j) * hd * cap;
        V.set(this.nat[l].subarray(src, src + own * hd), (j * T + b) * hd);
        for (let d = 0; d < hd; d++)
          K.set(this.tra[l].subarray(src + d * cap, src + d * cap + own), (j * hd + d) * T + b);
      }
      tra.push(K);
      nat.push(V);
    }
    const mask = new Float32Array(T).fill(-1e30);
    mask.fill(0, 0, b + own);
    return { T, tra, nat, mask };
  }

  /** Moves the Q new positions of a block slot's temporary cache into its own cache. */
  private copyOwnBack(slot: number, view: CacheView, b: number, start: number, Q: number): void {
    const c = this.model.config;
    const hd = headDim(c);
    const kvh = c.nKvHeads;
    const cap = this.cap;
    const T = view.T;
    for (let l = 0; l < c.nLayers; l++) {
      for (let j = 0; j < kvh; j++) {
        const dst = (slot * kvh + j) * hd * cap;
        const from = (j * T + b + start) * hd;
        this.nat[l].set(view.nat[l].subarray(from, from + Q * hd), dst + start * hd);
        for (let d = 0; d < hd; d++) {
          const o = (j * hd + d) * T + b + start;
          this.tra[l].set(view.tra[l].subarray(o, o + Q), dst + d * cap + start);
        }
      }
    }
    this.mask.fill(0, slot * cap + start, slot * cap + start + Q);
  }

  /** Runs `ids` at positions pos0.. of a one-sequence cache, writing their keys/values into it. */
  private runChunk(view: CacheView, pos0: number, ids: number[]): void {
    const c = this.model.config;
    const hd = headDim(c);
    const kvh = c.nKvHeads;
    const grp = c.nHeads / kvh;
    const D = c.dim;
    const Q = ids.length;
    const T = view.T;
    const emb = this.model.params.get('token_embd.weight') as Float32Array;
    const x = new Float32Array(Q * D);
    const cos = new Float32Array(Q * this.ropeN);
    const sin = new Float32Array(Q * this.ropeN);
    for (let i = 0; i < Q; i++) {
      x.set(emb.subarray(ids[i] * D, (ids[i] + 1) * D), i * D);
      this.ropeRow(cos, sin, i, pos0 + i);
    }
    // Row g*Q + i (query i of group member g) sees keys 0..i of the chunk.
    const cmask = new Float32Array(grp * Q * Q);
    for (let r = 0; r < grp * Q; r++) cmask.fill(-1e30, r * Q + (r % Q) + 1, (r + 1) * Q);
    const kv = new Float32Array(2 * c.nLayers * Q * kvh * hd);
    const feeds: Record<string, OrtTensor> = {
      x: ortTensor(x, [Q, D]),
      cos: ortTensor(cos, [Q, this.ropeN]),
      sin: ortTensor(sin, [Q, this.ropeN]),
      invT: ortTensor(this.invT.subarray(0, 1), [1, 1]),
      pmask: ortTensor(view.mask, [1, 1, 1, T]),
      cmask: ortTensor(cmask, [grp * Q, Q]),
      splitT: ortTensor(BigInt64Array.of(BigInt(T), BigInt(Q)), [2]),
    };
    for (let l = 0; l < c.nLayers; l++) {
      feeds[`pk${l}`] = ortTensor(view.tra[l], [1, kvh, hd, T]);
      feeds[`pv${l}`] = ortTensor(view.nat[l], [1, kvh, T, hd]);
    }
    const V = c.vocabSize;
    const fetches: Record<string, OrtTensor> = {
      logits: ortTensor(this.logits.subarray(0, V), [1, V]),
      probs: ortTensor(this.probs.subarray(0, V), [1, V]),
      logp: ortTensor(this.logp.subarray(0, V), [1, V]),
      kv: ortTensor(kv, [2 * c.nLayers * Q, kvh * hd]),
    };
    (this.chunk as OrtGraph).run(feeds, fetches);
    for (let l = 0; l < c.nLayers; l++) {
      const kn = 2 * l * Q * kvh * hd;
      const vn = (2 * l + 1) * Q * kvh * hd;
      for (let i = 0; i < Q; i++) {
        const pos = pos0 + i;
        for (let j = 0; j < kvh; j++) {
          const src = (i * kvh + j) * hd;
          const base = j * hd * T;
          view.nat[l].set(kv.subarray(vn + src, vn + src + hd), base + pos * hd);
          for (let d = 0; d < hd; d++) view.tra[l][base + d * T + pos] = kv[kn + src + d];
        }
      }
    }
    view.mask.fill(0, pos0, pos0 + Q);
  }

  /** Row r of cos/sin for position pos: each pair's value twice, repeated per head. */
  private ropeRow(cos: Float32Array, sin: Float32Array, r: number, pos: number): void {
    const hd = headDim(this.model.config);
    const half = hd / 2;
    const { rope } = netFor(this.model);
    const o = r * this.ropeN;
    for (let i = 0; i < half; i++) {
      const cv = rope.cos[pos * half + i];
      const sv = rope.sin[pos * half + i];
      cos[o + 2 * i] = cv;
      cos[o + 2 * i + 1] = cv;
      sin[o + 2 * i] = sv;
      sin[o + 2 * i + 1] = sv;
    }
    // The same rotation for every head: repeat the first head's hd values.
    for (let h = 1; h < this.ropeN / hd; h++) {
      cos.copyWithin(o + h * hd, o, o + hd);
      sin.copyWithin(o + h * hd, o, o + hd);
    }
  }

  /**
   * Appends ids[r] to slot r for r < n and returns the next-token logits [n, V] (a view,
   * overwritten by the next step); `dist()` then holds softmax / log-softmax of logits / temp
   * (temp: one for all rows, or one per row; 0 counts as 1).
   */
  step(
    ids: ArrayLike<number>,
    n: number = ids.length,
    temp: number | ArrayLike<number> = 1,
  ): Float32Array {
    const c = this.model.config;
    const hd = headDim(c);
    const D = c.dim;
    if (!(n >= 1 && n <= this.capacity && n <= ids.length))
      throw new Error(`step: ${n} rows for a batch of ${this.capacity} slots`);
    const emb = this.model.params.get('token_embd.weight') as Float32Array;
    let own = 0;
    for (let r = 0; r < n; r++) {
      checkId(ids[r], c.vocabSize);
      const pos = this.base[r] + this.lens[r];
      if (pos === 0) throw new Error(`step: slot ${r} has no prompt (prefill it first)`);
      if (pos >= c.maxSeqLen) throw new Error(`context full: maxSeqLen ${c.maxSeqLen} reached`);
      if (this.lens[r] > own) own = this.lens[r];
      this.x.set(emb.subarray(ids[r] * D, (ids[r] + 1) * D), r * D);
      this.ropeRow(this.cos, this.sin, r, pos);
    }
    this.grow(own + 1);
    for (let r = 0; r < n; r++) {
      const t = typeof temp === 'number' ? temp : temp[r];
      this.invT[r] = t > 0 ? 1 / t : 1;
    }
    const shared = this.usesShared(n);
    const { feeds, fetches } = this.tensors(n, shared);
    if (shared) {
      this.fillSharedMask(n);
      this.sharedGraph ??= stepGraph(this.model, this.threads, 'shared');
      this.sharedGraph.run(feeds, fetches);
    } else this.graph.run(feeds, fetches);
    const kvh = c.nKvHeads;
    const cap = this.cap;
    for (let l = 0; l < c.nLayers; l++) {
      const K = this.tra[l];
      const kn = 2 * l * n * kvh * hd;
      const vn = (2 * l + 1) * n * kvh * hd;
      for (let r = 0; r < n; r++) {
        const pos = this.lens[r];
        for (let j = 0; j < kvh; j++) {
          const src = (r * kvh + j) * hd;
          const base = (r * kvh + j) * hd * cap;
          this.nat[l].set(this.kv.subarray(vn + src, vn + src + hd), base + pos * hd);
          for (let d = 0; d < hd; d++) K[base + d * cap + pos] = this.kv[kn + src + d];
        }
      }
    }
    for (let r = 0; r < n; r++) this.mask[r * cap + this.lens[r]++] = 0;
    return this.logits.subarray(0, n * c.vocabSize);
  }

  /** smask [n, 1, 1, P]: row r sees the first base[r] positions of its segment. */
  private fillSharedMask(n: number): void {
    const P = this.shared.len;
    this.smask.fill(-1e30, 0, n * P);
    for (let r = 0; r < n; r++) {
      if (this.base[r] === 0) continue;
      const at = r * P + this.shared.segs[this.seg[r]].start;
      this.smask.fill(0, at, at + this.base[r]);
    }
  }

  /** The last step's next-token distribution: probs and logp [n, V] at its temperature (views). */
  dist(n: number): { probs: Float32Array; logp: Float32Array } {
    const V = this.model.config.vocabSize;
    return { probs: this.probs.subarray(0, n * V), logp: this.logp.subarray(0, n * V) };
  }

  /** Re-lays the caches out with room for `need` positions per slot (doubling). */
  private grow(need: number): void {
    if (need <= this.cap) return;
    const c = this.model.config;
    const hd = headDim(c);
    const old = this.cap;
    // +25% (in steps of 32), not doubling: every step's attention runs over all `cap`
    // positions, masked or not, so capacity beyond the longest row is wasted work.
    const cap = Math.min(c.maxSeqLen, Math.ceil(Math.max(need, old * 1.25) / 32) * 32);
    const rows = this.capacity * c.nKvHeads;
    const nat: Float32Array[] = [];
    const tra: Float32Array[] = [];
    for (let l = 0; l < c.nLayers; l++) {
      const N = new Float32Array(rows * cap * hd);
      const Tr = new Float32Array(rows * hd * cap);
      if (old > 0) {
        for (let i = 0; i < rows; i++)
          N.set(this.nat[l].subarray(i * old * hd, (i + 1) * old * hd), i * cap * hd);
        for (let i = 0; i < rows * hd; i++)
          Tr.set(this.tra[l].subarray(i * old, (i + 1) * old), i * cap);
      }
      nat.push(N);
      tra.push(Tr);
    }
    const mask = new Float32Array(this.capacity * cap).fill(-1e30);
    for (let s = 0; s < this.capacity; s++) mask.fill(0, s * cap, s * cap + this.lens[s]);
    this.nat = nat;
    this.tra = tra;
    this.mask = mask;
    this.cap = cap;
    this.fixed.key = '';
  }

  private tensors(n: number, shared: boolean) {
    const P = shared ? this.shared.len : 0;
    const key = `${n}/${this.cap}/${P}`;
    if (this.fixed.key === key) return this.fixed;
    const c = this.model.config;
    const hd = headDim(c);
    const kvh = c.nKvHeads;
    const T = this.cap;
    const slot = kvh * hd * T;
    const feeds: Record<string, OrtTensor> = {
      x: ortTensor(this.x.subarray(0, n * c.dim), [n, c.dim]),
      cos: ortTensor(this.cos.subarray(0, n * this.ropeN), [n, this.ropeN]),
      sin: ortTensor(this.sin.subarray(0, n * this.ropeN), [n, this.ropeN]),
      mask: ortTensor(this.mask.subarray(0, n * T), [n, 1, 1, T]),
      splitT: ortTensor(
        P > 0 ? BigInt64Array.of(BigInt(P), BigInt(T), 1n) : BigInt64Array.of(BigInt(T), 1n),
        [P > 0 ? 3 : 2],
      ),
      invT: ortTensor(this.invT.subarray(0, n), [n, 1]),
    };
    if (P > 0) {
      feeds.smask = ortTensor(this.smask.subarray(0, n * P), [n, 1, 1, P]);
      for (let l = 0; l < c.nLayers; l++) {
        feeds[`sk${l}`] = ortTensor(this.shared.k[l], [kvh, 1, P, hd]);
        feeds[`sv${l}`] = ortTensor(this.shared.v[l], [kvh, 1, hd, P]);
      }
    }
    const nv = [n, c.vocabSize];
    const fetches: Record<string, OrtTensor> = {
      logits: ortTensor(this.logits.subarray(0, n * c.vocabSize), nv),
      probs: ortTensor(this.probs.subarray(0, n * c.vocabSize), nv),
      logp: ortTensor(this.logp.subarray(0, n * c.vocabSize), nv),
    };
    for (let l = 0; l < c.nLayers; l++) {
      feeds[`pk${l}`] = ortTensor(this.tra[l].subarray(0, n * slot), [n, kvh, hd, T]);
      feeds[`pv${l}`] = ortTensor(this.nat[l].subarray(0, n * slot), [n, kvh, T, hd]);
    }
    const L2 = 2 * c.nLayers;
    fetches.kv = ortTensor(this.kv.subarray(0, L2 * n * kvh * hd), [L2 * n, kvh * hd]);
    this.fixed = { key, feeds, fetches };
    return this.fixed;
  }

  private checkSlot(s: number): void {
    if (!(Number.isInteger(s) && s >= 0 && s < this.capacity))
      throw new Error(`slot ${s} is outside the batch [0, ${this.capacity})`);
  }
}

function checkId(id: number, V: number): void {
  if (!(Number.isInteger(id) && id >= 0 && id < V))
    throw new Error(`token id ${id} is outside the vocabulary [0, ${V})`);
}

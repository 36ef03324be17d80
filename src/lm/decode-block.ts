// The shared prefix block of a BatchDecoder: the keys/values of prompts that several rows
// continue, each kept once. It holds segments laid end to end (one per group prompt in
// flight, e.g. the tasks of one RL step), so groups that overlap in time each keep theirs;
// a row sees the first `base` positions of its own segment (the step graph's smask), and
// every row's queries meet the whole block in one product per kv head (decode-shared.ts).
// A segment outlives its group's first turn: a later turn whose prompt starts with it
// (an RL rollout's history diverges only after the group prompt) attaches to it again
// instead of copying those positions into its own cache.
//
// Layout per layer: keys [Hkv, P, hd] and values transposed [Hkv, hd, P], P the total
// length; each segment's positions are its sequence's positions 0..len-1 (keys rotated there).
import { headDim, type ModelConfig } from './config.js';

/** One prompt in the block. */
export interface Segment {
  ids: number[];
  /** First block position of the segment. */
  start: number;
  len: number;
  /** Next-token logits after its last token (a second group on the same prompt starts from them). */
  logits: Float32Array;
}

/** Keys/values of one new segment, per layer in the training forward's layout ([H, T, hd], kv head j at query head j*grp). */
export interface SegmentKv {
  ids: number[];
  kh: Float32Array[];
  vh: Float32Array[];
  logits: Float32Array;
}

/** Most positions the block holds: every row's step attends over all of them (masked or not). */
export const MAX_BLOCK = 2048;

export class SharedBlock {
  len = 0;
  k: Float32Array[] = [];
  v: Float32Array[] = [];
  segs: Segment[] = [];

  constructor(private readonly c: ModelConfig) {}

  /**
   * Keeps the segments listed in `keep` (in order), then appends `add`; returns, per old
   * segment, its new index (-1: dropped).
   */
  rebuild(keep: number[], add?: SegmentKv): number[] {
    const c = this.c;
    const hd = headDim(c);
    const kvh = c.nKvHeads;
    const grp = c.nHeads / kvh;
    const kept = keep.map((i) => this.segs[i]);
    const P = kept.reduce((s, g) => s + g.len, 0) + (add ? add.ids.length : 0);
    const map = this.segs.map(() => -1);
    keep.forEach((i, j) => {
      map[i] = j;
    });
    const segs: Segment[] = [];
    let at = 0;
    for (const g of kept) {
      segs.push({ ...g, start: at });
      at += g.len;
    }
    const k: Float32Array[] = [];
    const v: Float32Array[] = [];
    for (let l = 0; l < c.nLayers; l++) {
      const K = new Float32Array(kvh * P * hd);
      const V = new Float32Array(kvh * hd * P);
      for (let j = 0; j < kvh; j++) {
        kept.forEach((g, s) => {
          const to = segs[s].start;
          const from = g.start;
          K.set(
            this.k[l].subarray((j * this.len + from) * hd, (j * this.len + from + g.len) * hd),
            (j * P + to) * hd,
          );
          for (let d = 0; d < hd; d++) {
            const o = (j * hd + d) * this.len + from;
            V.set(this.v[l].subarray(o, o + g.len), (j * hd + d) * P + to);
          }
        });
        if (add) {
          const T = add.ids.length;
          // Kv head j appears (repeated) as query head j*grp in the forward's layout [H, T, hd].
          const src = j * grp * T * hd;
          K.set(add.kh[l].subarray(src, src + T * hd), (j * P + at) * hd);
          const vh = add.vh[l];
          for (let t = 0; t < T; t++)
            for (let d = 0; d < hd; d++) V[(j * hd + d) * P + at + t] = vh[src + t * hd + d];
        }
      }
      k.push(K);
      v.push(V);
    }
    if (add)
      segs.push({ ids: add.ids.slice(), start: at, len: add.ids.length, logits: add.logits });
    this.k = k;
    this.v = v;
    this.len = P;
    this.segs = segs;
    return map;
  }

  /** The segment sharing the longest prefix with `ids`, at least `min` and at most ids.length - 1 positions. */
  match(ids: ArrayLike<number>, min: number): { seg: number; len: number } | null {
    let best: { seg: number; len: number } | null = null;
    this.segs.forEach((g, s) => {
      const n = Math.min(g.len, ids.length - 1);
      let m = 0;
      while (m < n && g.ids[m] === ids[m]) m++;
      if (m >= min && m > (best?.len ?? 0)) best = { seg: s, len: m };
    });
    return best;
  }

  /** The segment holding exactly `ids`, or -1. */
  find(ids: ArrayLike<number>): number {
    return this.segs.findIndex((g) => g.len === ids.length && g.ids.every((x, i) => x === ids[i]));
  }
}

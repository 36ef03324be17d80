// KV caches of finished requests, kept so the next request of the same conversation computes
// only its new tokens. A harness episode sends the whole conversation each turn, and it
// only grew at the end: turn k+1's prompt starts with turn k's prompt and completion (the
// chat template's prefix property; the local provider re-sends the sampled ids). Entries are
// keyed by their exact token ids and matched by longest common prefix, so a reused position
// always holds the keys/values of the same tokens at the same positions; a prompt that
// differs early (compaction, another conversation) reuses only what matches, or nothing.
// Memory is bounded (bytes of keys + values); the least recently used entry goes first.
import type { SlotKv } from './decode-batch.js';

/** What a lookup found: reuse the first `len` positions of `kv`. */
export interface PrefixHit {
  kv: SlotKv;
  len: number;
}

interface Entry {
  ids: number[];
  kv: SlotKv;
  bytes: number;
}

/** An LRU store of token-id prefixes and their KV caches. */
export class PrefixCache {
  /** Insertion order is recency order: the first entry is the least recently used. */
  private readonly entries = new Map<number, Entry>();
  private nextKey = 0;
  private used = 0;
  /** Lookups, hits, and positions reused / requested (reused / requested = the prefill saved). */
  readonly stats = { lookups: 0, hits: 0, reused: 0, requested: 0 };

  constructor(
    /** Most bytes of keys and values held; 0 disables the cache. */
    readonly maxBytes: number,
  ) {}

  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * The longest reusable prefix of `ids`: at most ids.length - 1 positions, since the last
   * prompt token must still be run to give the next-token logits.
   */
  lookup(ids: number[]): PrefixHit | null {
    this.stats.lookups++;
    this.stats.requested += ids.length;
    let best: [number, Entry] | null = null;
    let bestLen = 0;
    for (const [key, e] of this.entries) {
      const n = Math.min(e.kv.len, ids.length - 1);
      let m = 0;
      while (m < n && e.ids[m] === ids[m]) m++;
      if (m > bestLen) {
        bestLen = m;
        best = [key, e];
      }
    }
    if (!best) return null;
    const [key, e] = best;
    this.entries.delete(key);
    this.entries.set(key, e);
    this.stats.hits++;
    this.stats.reused += bestLen;
    return { kv: e.kv, len: bestLen };
  }

  /**
   * Keeps `kv` as the cache of `ids` (kv.len of them). Entries that are a prefix of `ids`
   * are dropped (the new one serves every prompt they would); the oldest entries are
   * evicted until the store fits.
   */
  save(ids: number[], kv: SlotKv): void {
    const bytes = 4 * kv.k.concat(kv.v).reduce((s, a) => s + a.length, 0);
    if (bytes > this.maxBytes || kv.len === 0) return;
    for (const [key, e] of this.entries) {
      if (e.kv.len > kv.len) continue;
      let m = 0;
      while (m < e.kv.len && e.ids[m] === ids[m]) m++;
      if (m === e.kv.len) this.remove(key);
    }
    while (this.used + bytes > this.maxBytes) {
      const oldest = this.entries.keys().next().value as number;
      this.remove(oldest);
    }
    this.entries.set(this.nextKey++, { ids: ids.slice(0, kv.len), kv, bytes });
    this.used += bytes;
  }

  /** Drops everything (the weights changed: every cached key and value is stale). */
  clear(): void {
    this.entries.clear();
    this.used = 0;
  }

  private remove(key: number): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.used -= e.bytes;
  }
}

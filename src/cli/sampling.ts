// Sampling flags shared by `run` and `rollout` (eval has its own): --temperature, --top-p,
// --seed. Local models are greedy by default: both commands are how checkpoints get
// evaluated, and a score should not depend on luck. HTTP models get only the flags given
// (otherwise the server's defaults stand).
import type { ModelSpecOptions } from '../providers/spec.js';

/** Parsed sampling flags; undefined where the flag was not given. */
export interface SamplingFlags {
  /** Local default 0 (greedy). */
  temperature?: number;
  /** Local default 1. */
  topP?: number;
  /** Base sampling seed (local models: call k of a run samples with seed + k). Local default 0. */
  seed?: number;
  /** false with --no-strict: local models sample tool calls without the call grammar. */
  strict?: boolean;
}

/** Validates the raw flag strings; throws a one-line message naming the flag. */
export function parseSamplingFlags(f: {
  temperature?: string;
  topP?: string;
  seed?: string | number;
  strict?: boolean;
}): SamplingFlags {
  const out: SamplingFlags = {};
  if (f.strict === false) out.strict = false;
  if (f.temperature !== undefined) {
    const t = Number(f.temperature);
    if (!(f.temperature.trim() !== '' && Number.isFinite(t) && t >= 0))
      throw new Error(`--temperature must be a number >= 0, got "${f.temperature}"`);
    out.temperature = t;
  }
  if (f.topP !== undefined) {
    const p = Number(f.topP);
    if (!(p > 0 && p <= 1)) throw new Error(`--top-p must be in (0, 1], got "${f.topP}"`);
    out.topP = p;
  }
  if (f.seed !== undefined) {
    const s = Number(f.seed);
    if (!(String(f.seed).trim() !== '' && Number.isInteger(s) && s >= 0))
      throw new Error(`--seed must be an integer >= 0, got "${f.seed}"`);
    out.seed = s;
  }
  return out;
}

/** Model-spec options carrying these settings (`seed` overrides the flag's, e.g. per rollout). */
export function samplingSpecOptions(s: SamplingFlags, seed?: number): ModelSpecOptions {
  return {
    ...(s.temperature !== undefined ? { temperature: s.temperature } : {}),
    ...(s.topP !== undefined ? { extraBody: { top_p: s.topP } } : {}),
    local: {
      temperature: s.temperature ?? 0,
      topP: s.topP ?? 1,
      seed: seed ?? s.seed ?? 0,
      ...(s.strict === false ? { strict: false } : {}),
    },
  };
}

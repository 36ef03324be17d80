// Picking the next token from logits: greedy, temperature, nucleus (top-p). Returns the
// token's log-probability under the tempered distribution (what RL's ratio needs).
import type { Rng } from './rng.js';

let sorted = new Float64Array(0);

/**
 * Picks a token from logits; `probs` is scratch of length V. temp 0 is argmax (its
 * logprob at temperature 1). With topP < 1 the candidates are the tokens whose tempered
 * probability is at least the smallest one the nucleus needs (ties at that edge included).
 * Tokens in `banned` are never chosen; they stay in the softmax, so logprobs are unchanged.
 */
export function sample(
  logits: Float32Array,
  temp: number,
  topP: number,
  rng: Rng,
  probs: Float64Array,
  banned?: ReadonlySet<number>,
): { id: number; logprob: number } {
  const V = logits.length;
  const t = temp === 0 ? 1 : temp;
  let max = -Infinity;
  for (let i = 0; i < V; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < V; i++) {
    probs[i] = Math.exp((logits[i] - max) / t);
    sum += probs[i];
  }
  const logZ = Math.log(sum);
  const lp = (i: number) => (logits[i] - max) / t - logZ;
  let arg = -1;
  for (let i = 0; i < V; i++) {
    if (banned?.has(i)) probs[i] = 0;
    else if (arg < 0 || logits[i] > logits[arg]) arg = i;
  }
  if (arg < 0) arg = 0;
  if (temp === 0) return { id: arg, logprob: lp(arg) };
  let floor = 0;
  let mass = 0;
  for (let i = 0; i < V; i++) mass += probs[i];
  if (topP < 1) {
    // A native numeric sort of a copy, not an index sort with a comparator (~10x slower).
    if (sorted.length < V) sorted = new Float64Array(V);
    const s = sorted.subarray(0, V);
    s.set(probs.subarray(0, V));
    s.sort();
    let acc = 0;
    let k = V - 1;
    while (k > 0 && acc + s[k] < topP * mass) acc += s[k--];
    floor = s[k];
    mass = 0;
    for (let i = 0; i < V; i++) if (probs[i] >= floor) mass += probs[i];
  }
  let r = rng.next() * mass;
  let last = arg;
  for (let i = 0; i < V; i++) {
    if (probs[i] < floor || probs[i] === 0) continue;
    last = i;
    r -= probs[i];
    if (r < 0) return { id: i, logprob: lp(i) };
  }
  return { id: last, logprob: lp(last) };
}

/**
 * The same choice as `sample`, from a distribution already computed at temperature `temp`
 * (probs and logp of one row, from the decode graph): no exponentials in JS.
 */
export function sampleDist(
  probs: Float32Array,
  logp: Float32Array,
  temp: number,
  topP: number,
  rng: Rng,
  banned?: ReadonlySet<number>,
): { id: number; logprob: number } {
  const V = probs.length;
  if (banned && banned.size > 0) {
    // Greedy, or every allowed token's float32 probability underflowed: the best allowed by logp.
    const p = allowedCopy(probs, banned);
    let mass = 0;
    for (let i = 0; i < V; i++) mass += p[i];
    if (temp !== 0 && mass > 0) return sampleDist(p, logp, temp, topP, rng);
    let arg = -1;
    for (let i = 0; i < V; i++) if (!banned.has(i) && (arg < 0 || logp[i] > logp[arg])) arg = i;
    return { id: Math.max(arg, 0), logprob: logp[Math.max(arg, 0)] };
  }
  if (temp === 0) {
    let arg = 0;
    for (let i = 1; i < V; i++) if (probs[i] > probs[arg]) arg = i;
    return { id: arg, logprob: logp[arg] };
  }
  let floor = 0;
  let mass = 0;
  if (topP < 1) {
    if (sorted.length < V) sorted = new Float64Array(V);
    const s = sorted.subarray(0, V);
    s.set(probs);
    s.sort();
    let total = 0;
    for (let i = 0; i < V; i++) total += s[i];
    let acc = 0;
    let k = V - 1;
    while (k > 0 && acc + s[k] < topP * total) acc += s[k--];
    floor = s[k];
    for (let i = 0; i < V; i++) if (probs[i] >= floor) mass += probs[i];
  } else {
    for (let i = 0; i < V; i++) mass += probs[i];
  }
  let r = rng.next() * mass;
  // Some token is >= floor (floor is one of the probabilities), so `last` is always set.
  let last = 0;
  for (let i = 0; i < V; i++) {
    if (probs[i] < floor || probs[i] === 0) continue;
    last = i;
    r -= probs[i];
    if (r < 0) return { id: i, logprob: logp[i] };
  }
  return { id: last, logprob: logp[last] };
}

let scratchProbs = new Float32Array(0);

/** probs with the banned tokens at 0 (a scratch copy: the decode graph's output stays as it was). */
function allowedCopy(probs: Float32Array, banned: ReadonlySet<number>): Float32Array {
  if (scratchProbs.length < probs.length) scratchProbs = new Float32Array(probs.length);
  const p = scratchProbs.subarray(0, probs.length);
  p.set(probs);
  for (const id of banned) if (id >= 0 && id < p.length) p[id] = 0;
  return p;
}

// Picking the next token from logits: greedy, temperature, nucleus (top-p). Returns the
// token's log-probability under the tempered distribution (what RL's ratio needs).
import type { Rng } from './rng.js';

let sorted = new Float64Array(0);

/**
 * Picks a token from logits; `probs` is scratch of length V. temp 0 is argmax (its
 * logprob at temperature 1). With topP < 1 the candidates are the tokens whose tempered
 * probability is at least the smallest one the nucleus needs (ties at that edge included).
 */
export function sample(
  logits: Float32Array,
  temp: number,
  topP: number,
  rng: Rng,
  probs: Float64Array,
): { id: number; logprob: number } {
  const V = logits.length;
  const t = temp === 0 ? 1 : temp;
  let max = -Infinity;
  let arg = 0;
  for (let i = 0; i < V; i++) {
    if (logits[i] > max) {
      max = logits[i];
      arg = i;
    }
  }
  let sum = 0;
  for (let i = 0; i < V; i++) {
    probs[i] = Math.exp((logits[i] - max) / t);
    sum += probs[i];
  }
  const logZ = Math.log(sum);
  const lp = (i: number) => (logits[i] - max) / t - logZ;
  if (temp === 0) return { id: arg, logprob: lp(arg) };
  let floor = 0;
  let mass = sum;
  if (topP < 1) {
    // A native numeric sort of a copy, not an index sort with a comparator (~10x slower).
    if (sorted.length < V) sorted = new Float64Array(V);
    const s = sorted.subarray(0, V);
    s.set(probs.subarray(0, V));
    s.sort();
    let acc = 0;
    let k = V - 1;
    while (k > 0 && acc + s[k] < topP * sum) acc += s[k--];
    floor = s[k];
    mass = 0;
    for (let i = 0; i < V; i++) if (probs[i] >= floor) mass += probs[i];
  }
  let r = rng.next() * mass;
  let last = arg;
  for (let i = 0; i < V; i++) {
    if (probs[i] < floor) continue;
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
): { id: number; logprob: number } {
  const V = probs.length;
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
    if (probs[i] < floor) continue;
    last = i;
    r -= probs[i];
    if (r < 0) return { id: i, logprob: logp[i] };
  }
  return { id: last, logprob: logp[last] };
}

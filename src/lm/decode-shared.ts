// The decode step with a shared prefix: the rows of a group (G samples of one prompt)
// attend over one copy of the prompt's keys/values instead of G copies, and over their own
// cached suffix as in the plain step (decode-graph.ts). Per layer and kv head the prefix
// scores of all B * grp query rows are one [P, hd] @ [hd, B*grp] product (and one
// [hd, P] @ [P, B*grp] for the values) instead of B GEMVs, so the prompt's cache is read
// once per step, not once per row: a row's attention over its own cache is bound by the
// bytes it reads (~12-20 GB/s on one core here, see dev/LOG.md "gen2"), and a group's rows
// share most of those bytes.
//
// The prefix scores join the suffix and new-token scores in one softmax, so this is the
// function attention over [prefix, suffix, new] in one cache computes; only the summation
// order differs. Layout: the prefix keys [P, hd] and values [hd, P] are MatMul's A
// operand, streamed from the feed, while the small queries / weights [.., B*grp] are the
// B operand MLAS packs (as B, the prefix would be copied into packed panels every call:
// ~2x slower, measured); the [P, B*grp] products are then moved to the rows' layout by
// transposes that move one axis or whole blocks (a general 4-d permutation costs ~2 ns an
// element in onnxruntime, measured). A log-sum-exp merge of the two parts kept in their own
// layouts was 1-10% slower (more elementwise nodes over [P, B*grp]).
//
// Feeds beyond the plain step's: sk<l> [Hkv, 1, P, hd] (prefix keys), sv<l> [Hkv, 1, hd, P]
// (values transposed), smask [B, 1, 1, P] (0 over the prefix positions row r uses, -1e30
// beyond; a row may use the first p <= P positions, or none) and splitT = [P, T, 1].
// Fetches as the plain step.
import { headDim, type ModelConfig } from './config.js';
import { GraphBuilder, networkGraph } from './decode-graph.js';
import type { OnnxValue } from './kernels/onnx.js';
import type { ParamSet } from './params.js';

/** Serialises the shared-prefix decode-step graph for `c` with the weights in `p`. */
export function decodeSharedGraph(c: ModelConfig, p: ParamSet): Uint8Array {
  const hd = headDim(c);
  const H = c.nHeads;
  const Hkv = c.nKvHeads;
  const grp = H / Hkv;
  const g = new GraphBuilder();
  g.i64('shQ', [0, Hkv, grp, hd]);
  g.i64('shKt', [0, Hkv, hd, 1]);
  g.i64('shV', [0, Hkv, 1, hd]);
  g.i64('shO', [0, H * hd]);
  g.i64('shQs', [Hkv, 1, hd, -1]);
  // 0 copies the input's dimension, so P need not be known here.
  g.i64('shS4', [0, -1, grp, 0]);
  g.i64('shPs', [0, 1, -1, 0]);
  g.i64('shOs', [Hkv, hd, -1, grp]);
  const feeds: OnnxValue[] = [
    { name: 'mask', dims: ['B', 1, 1, 'T'] },
    { name: 'smask', dims: ['B', 1, 1, 'P'] },
    { name: 'splitT', dims: [3], elemType: 7 },
  ];
  for (let l = 0; l < c.nLayers; l++)
    feeds.push(
      { name: `pk${l}`, dims: ['B', Hkv, hd, 'T'] },
      { name: `pv${l}`, dims: ['B', Hkv, 'T', hd] },
      { name: `sk${l}`, dims: [Hkv, 1, 'P', hd] },
      { name: `sv${l}`, dims: [Hkv, 1, hd, 'P'] },
    );
  const tr = (perm: number[]) => ({ perm: { ints: perm } });
  return networkGraph(
    c,
    p,
    {
      feeds,
      lastRowOnly: false,
      layer(l, q, k, v, g) {
        const one = g.one.bind(g);
        const q4 = one('Reshape', [q, 'shQ']);
        // Prefix: one [P, hd] @ [hd, B*grp] product per kv head for every row's queries.
        const qs = one('Reshape', [one('Transpose', [q4], tr([1, 3, 0, 2])), 'shQs']);
        const sT = one('MatMul', [`sk${l}`, qs]); // [Hkv, 1, P, B*grp]
        const s4 = one('Reshape', [one('Transpose', [sT], tr([0, 1, 3, 2])), 'shS4']);
        const sShared = one('Add', [one('Transpose', [s4], tr([1, 0, 2, 3])), 'smask']);
        // Suffix and new token: per row, as in the plain step.
        const sPast = one('Add', [one('MatMul', [q4, `pk${l}`]), 'mask']);
        const sNew = one('MatMul', [q4, one('Reshape', [k, 'shKt'])]);
        const pr = one('Softmax', [one('Concat', [sShared, sPast, sNew], { axis: { i: 3 } })], {
          axis: { i: 3 },
        });
        const [pShared, pPast, pNew] = g.op('Split', [pr, 'splitT'], { axis: { i: 3 } }, 3);
        // Back to [Hkv, 1, P, B*grp] for the values product [hd, P] @ [P, B*grp].
        const pT = one('Reshape', [one('Transpose', [pShared], tr([1, 0, 2, 3])), 'shPs']);
        const ps = one('Transpose', [pT], tr([0, 1, 3, 2]));
        const o4 = one('Reshape', [one('MatMul', [`sv${l}`, ps]), 'shOs']); // [Hkv, hd, B, grp]
        const oShared = one('Transpose', [o4], tr([2, 0, 3, 1]));
        const vNew = one('Mul', [pNew, one('Reshape', [v, 'shV'])]);
        const o = one('Add', [one('Add', [one('MatMul', [pPast, `pv${l}`]), vNew]), oShared]);
        // [B, Hkv, grp, hd] is already head-major (head h = kv head * grp + g).
        return one('Reshape', [o, 'shO']);
      },
    },
    g,
  );
}

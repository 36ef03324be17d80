// The decode step with a shared prefix: the rows of a group (G samples of one prompt)
// attend over one copy of the prompt's keys/values instead of G copies, and over their own
// cached suffix as in the plain step (decode-graph.ts). Per layer and kv head the prefix
// scores of all B * grp query rows are one [P, hd] @ [hd, B*grp] product (and one
// [hd, P] @ [P, B*grp] for the values) instead of B GEMVs, so the prompt's cache is read
// once per step, not once per row: a row's attention over its own cache is bound by the
// bytes it reads (~12-20 GB/s on one core here, see dev/LOG.md "gen2"), and a group's rows
// share most of those bytes.
//
// The two parts are merged by log-sum-exp (each part's max and sum of exponentials), so this
// is the function attention over [prefix, suffix, new] in one cache computes; only the
// summation order differs. The prefix part stays in the layout its MatMul produces,
// [Hkv, P, B*grp]: the prefix keys and values are MatMul's A operand, streamed from the
// feed, while the small queries / weights are the B operand MLAS packs (as B, the prefix
// would be copied into packed panels every call: 2x slower, measured), and only the
// [.., hd + 2] results move to the rows' layout (a big Transpose costs ~2 ns an element).
//
// Feeds beyond the plain step's: sk<l> [Hkv, P, hd] (prefix keys), sv<l> [Hkv, hd, P]
// (values transposed) and smask [1, P, B*grp] (column r*grp + g: 0 over the prefix positions
// row r uses, -1e30 beyond; a row may use the first p <= P positions, or none); splitT =
// [T, 1] as in the plain step. Fetches as the plain step.
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
  g.i64('sh3', [0, 0, -1]);
  g.i64('shR', [0, -1, grp, hd + 2]);
  g.i64('ax1', [1]);
  g.i64('ax3', [3]);
  g.i64('splitS', [hd, 1, 1]);
  const feeds: OnnxValue[] = [
    { name: 'mask', dims: ['B', 1, 1, 'T'] },
    { name: 'smask', dims: [1, 'P', 'BG'] },
    { name: 'splitT', dims: [2], elemType: 7 },
  ];
  for (let l = 0; l < c.nLayers; l++)
    feeds.push(
      { name: `pk${l}`, dims: ['B', Hkv, hd, 'T'] },
      { name: `pv${l}`, dims: ['B', Hkv, 'T', hd] },
      { name: `sk${l}`, dims: [Hkv, 'P', hd] },
      { name: `sv${l}`, dims: [Hkv, hd, 'P'] },
    );
  const keep = { keepdims: { i: 1 } };
  return networkGraph(
    c,
    p,
    {
      feeds,
      lastRowOnly: false,
      layer(l, q, k, v, g) {
        const one = g.one.bind(g);
        const q4 = one('Reshape', [q, 'shQ']);
        // Prefix, in [Hkv, P, B*grp]: one [P, hd] @ [hd, B*grp] product per kv head for every
        // row's queries, softmax statistics over axis 1, the unnormalised output [Hkv, hd, B*grp].
        const qs = one('Reshape', [
          one('Transpose', [q4], { perm: { ints: [1, 3, 0, 2] } }),
          'sh3',
        ]);
        const s = one('Add', [one('MatMul', [`sk${l}`, qs]), 'smask']);
        const mS = one('ReduceMax', [s], { axes: { ints: [1] }, ...keep });
        const eS = one('Exp', [one('Sub', [s, mS])]);
        const lS = one('ReduceSum', [eS, 'ax1'], keep);
        const oS = one('MatMul', [`sv${l}`, eS]);
        // The three to the rows' layout [B, Hkv, grp, hd + 2] in one small transpose.
        const st = one('Concat', [oS, mS, lS], { axis: { i: 1 } });
        const st4 = one('Reshape', [one('Transpose', [st], { perm: { ints: [0, 2, 1] } }), 'shR']);
        const [oS4, mS4, lS4] = g.op(
          'Split',
          [one('Transpose', [st4], { perm: { ints: [1, 0, 2, 3] } }), 'splitS'],
          { axis: { i: 3 } },
          3,
        );
        // Suffix and new token: per row, as in the plain step, unnormalised.
        const sPast = one('Add', [one('MatMul', [q4, `pk${l}`]), 'mask']);
        const sNew = one('MatMul', [q4, one('Reshape', [k, 'shKt'])]);
        const sR = one('Concat', [sPast, sNew], { axis: { i: 3 } });
        const mR = one('ReduceMax', [sR], { axes: { ints: [3] }, ...keep });
        const eR = one('Exp', [one('Sub', [sR, mR])]);
        const lR = one('ReduceSum', [eR, 'ax3'], keep);
        const [ePast, eNew] = g.op('Split', [eR, 'splitT'], { axis: { i: 3 } }, 2);
        const vNew = one('Mul', [eNew, one('Reshape', [v, 'shV'])]);
        const oR = one('Add', [one('MatMul', [ePast, `pv${l}`]), vNew]);
        // Log-sum-exp merge of the two parts.
        const m = one('Max', [mS4, mR]);
        const aS = one('Exp', [one('Sub', [mS4, m])]);
        const aR = one('Exp', [one('Sub', [mR, m])]);
        const den = one('Add', [one('Mul', [aS, lS4]), one('Mul', [aR, lR])]);
        const num = one('Add', [one('Mul', [aS, oS4]), one('Mul', [aR, oR])]);
        return one('Reshape', [one('Div', [num, den]), 'shO']);
      },
    },
    g,
  );
}

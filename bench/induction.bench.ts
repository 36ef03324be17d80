// Do the induction drills form heads that copy by content? Trains the induction stage with
// its defaults (2,500 steps of 16 x 64 tokens) on a depth-2 model, then measures, beside the
// untrained model in the same run: the held-out copy loss against chance (ln of the drawn
// ids), and teacher-forced copy accuracy on rows longer than any drill (a 40-token span,
// 30 tokens of filler, the span again; argmax on the second copy) so a positional shortcut
// or the drill length cannot explain a hit. Wall time says what the stage costs here.
// Usage: node dist/bench/induction.bench.js [steps, default: the stage default]
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveConfig } from '../src/lm/config.js';
import {
  forwardLogits,
  initModel,
  type LoadedModel,
  loadCheckpoint,
  saveCheckpoint,
} from '../src/lm/model.js';
import { Rng } from '../src/lm/rng.js';
import { INDUCTION_DEFAULTS, runInduction } from '../src/train/induction.js';

const steps = Number(process.argv[2] ?? INDUCTION_DEFAULTS.steps);
const dir = mkdtempSync(join(tmpdir(), 'loopsmith-induction-bench-'));

/** Share of second-copy positions (past its 8th token) where the argmax is the copied token. */
function copyAccuracy(m: LoadedModel, rows: number[][]): number {
  const V = m.config.vocabSize;
  let ok = 0;
  let n = 0;
  for (const row of rows) {
    const lg = forwardLogits(m, row);
    for (let t = 70 + 8; t < row.length - 1; t++) {
      let best = 0;
      for (let i = 1; i < V; i++) if (lg[t * V + i] > lg[t * V + best]) best = i;
      n++;
      if (best === row[t + 1]) ok++;
    }
  }
  return ok / n;
}

try {
  const init = join(dir, 'init');
  const model = initModel(deriveConfig(2, { maxSeqLen: 256 }), 1);
  saveCheckpoint(init, model);
  const rng = new Rng(11);
  const ids = (k: number) => Array.from({ length: k }, () => rng.int(model.tokenizer.nOrdinary));
  const rows = Array.from({ length: 16 }, () => {
    const span = ids(40);
    return [...span, ...ids(30), ...span];
  });
  const t0 = performance.now();
  const r = runInduction({ from: init, out: join(dir, 'ind'), steps }, () => {});
  const wall = (performance.now() - t0) / 1000;
  const drilled = loadCheckpoint(r.checkpoint);
  const before = copyAccuracy(model, rows);
  const after = copyAccuracy(drilled, rows);
  const chance = Math.log(model.tokenizer.nOrdinary);
  const held = r.metrics.heldout_loss as number;
  console.log(
    `induction: ${steps} steps in ${wall.toFixed(0)} s (load ${loadavg()[0].toFixed(1)}); ` +
      `held-out copy loss ${held.toFixed(3)} vs chance ${chance.toFixed(3)} (x${(held / chance).toFixed(3)}); ` +
      `copy accuracy on 110-token rows ${(100 * after).toFixed(1)}% vs ${(100 * before).toFixed(1)}% untrained ` +
      `(chance ${(100 / model.tokenizer.nOrdinary).toFixed(1)}%)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

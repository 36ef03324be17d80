// Induction drills: the rows are what the stage claims (one span copied at a random distance,
// loss on the copy only), and a small model trained on them really learns to copy by
// content: its held-out copy loss falls far below chance, which no positional shortcut or
// token prior can reach because every token is drawn independently.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { deriveConfig } from '../lm/config.js';
import { initModel, saveCheckpoint } from '../lm/model.js';
import { Rng } from '../lm/rng.js';
import {
  copyRow,
  drillRows,
  inductionData,
  inductionRow,
  runInduction,
  textbookRow,
} from './induction.js';

test('a drill row copies one span at a random distance and weights only the copy', () => {
  const rng = new Rng(3);
  const distances = new Set<number>();
  for (let k = 0; k < 200; k++) {
    let next = 1000;
    const { ids, mask } = inductionRow(65, () => next++, rng);
    assert.equal(ids.length, 65);
    // Drawn ids are all distinct here, so a repeated id marks the copy exactly.
    const first = new Map<number, number>();
    const copied: number[] = [];
    ids.forEach((id, i) => {
      if (first.has(id)) copied.push(i);
      else first.set(id, i);
    });
    assert.ok(copied.length >= 8 && copied.length <= 32, `span of ${copied.length}`);
    for (let i = 1; i < copied.length; i++) assert.equal(copied[i], copied[i - 1] + 1);
    const d = copied[0] - (first.get(ids[copied[0]]) as number);
    assert.ok(d >= copied.length, 'the copy starts after the span ends');
    distances.add(d);
    // Weighted: every copied position but the first (it cannot be known before it is seen).
    const weighted = mask.flatMap((w, i) => (w ? [i] : []));
    assert.deepEqual(weighted, copied.slice(1));
  }
  assert.ok(distances.size > 20, `distances vary (${distances.size} seen)`);
  assert.throws(() => inductionRow(8, () => 0, rng), /too short/);
});

test('drill rows for long contexts are drills of the stage length, cut to size', () => {
  const rng = new Rng(5);
  const { ids, mask } = drillRows(2048, 300, rng);
  assert.equal(ids.length, 2048);
  assert.equal(mask.length, 2048);
  assert.ok(ids.every((id) => id >= 0 && id < 300));
  // 31 whole drills of 65 tokens, each weighting 7..31 positions, all inside its own drill.
  let weighted = 0;
  for (let d = 0; d < 31; d++) {
    const w = mask.slice(d * 65, d * 65 + 65).reduce((a, b) => a + b, 0);
    assert.ok(w >= 7 && w <= 31, `drill ${d} weights ${w}`);
    weighted += w;
  }
  assert.ok(weighted >= 31 * 7);
});

test('a real-token copy row is a window of the source with one span written again, loss on the copy', () => {
  const rng = new Rng(9);
  // A source with few distinct ids, as code is: the copy is found by comparing to the window.
  const src = Array.from({ length: 5000 }, (_, i) => (i * 7919) % 13);
  for (let k = 0; k < 100; k++) {
    const { ids, mask } = copyRow(src, 300, rng);
    assert.equal(ids.length, 300);
    const start = src.findIndex(
      (_, s) => s + 300 <= src.length && ids.slice(0, 8).every((v, j) => src[s + j] === v),
    );
    assert.ok(start >= 0, 'the row opens with a window of the source');
    const changed = ids.flatMap((v, i) => (v !== src[start + i] ? [i] : []));
    const weighted = mask.flatMap((w, i) => (w ? [i] : []));
    assert.ok(weighted.length >= 7 && weighted.length <= 63, `${weighted.length} weighted`);
    for (let i = 1; i < weighted.length; i++) assert.equal(weighted[i], weighted[i - 1] + 1);
    // Every changed token is inside the copy, and the copy equals an earlier span.
    const b = weighted[0] - 1;
    const L = weighted.length + 1;
    assert.ok(changed.every((i) => i >= b && i < b + L));
    const copy = ids.slice(b, b + L).join(',');
    const earlier = Array.from({ length: b - L + 1 }, (_, a) => ids.slice(a, a + L).join(','));
    assert.ok(earlier.includes(copy), 'the copied span occurs earlier in the row');
  }
  assert.throws(() => copyRow(src.slice(0, 100), 300, rng), /window of 300 tokens from 100/);
  assert.throws(() => copyRow(src, 16, rng), /need 32/);
});

test('textbook rows write one block twice; the stage uses them for its first steps only', () => {
  let next = 0;
  const { ids, mask } = textbookRow(33, () => next++);
  assert.deepEqual(ids, [
    ...Array.from({ length: 16 }, (_, i) => i),
    ...Array.from({ length: 17 }, (_, i) => i % 16),
  ]);
  // Loss from the second token of the copy on, as in the drills.
  assert.deepEqual(
    mask.flatMap((w, i) => (w ? [i] : [])),
    Array.from({ length: 16 }, (_, i) => 17 + i),
  );
  assert.throws(() => textbookRow(10, () => 0), /too short/);
  const model = initModel(deriveConfig(1, { vocabSize: 300, maxSeqLen: 64 }), 1);
  const data = inductionData(model, 32, 5);
  const periodic = (b: { ids: Int32Array }) => {
    for (let r = 0; r < 4; r++)
      for (let t = 16; t < 32; t++) if (b.ids[r * 32 + t] !== b.ids[r * 32 + t - 16]) return false;
    return true;
  };
  assert.ok(periodic(data.next(new Rng(1), 4, 32, 0)), 'step 0: textbook rows');
  assert.ok(periodic(data.next(new Rng(1), 4, 32, 4)), 'step 4: textbook rows');
  assert.ok(!periodic(data.next(new Rng(1), 4, 32, 5)), 'step 5: drills');
});

// That the drills form copying heads takes ~1.5k steps at the model's real size, too long
// for a unit test: bench/induction.bench.ts measures it (copy loss and code copied against a
// model without the stage). Here: the stage trains on drills and refuses bad input.
test('the induction stage trains on drills and refuses a row too short to drill', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'loopsmith-induction-'));
  const init = join(dir, 'init');
  // Byte-level tokenizer: 256 ordinary ids, so chance on a copied token is ln 256 = 5.5 nats.
  saveCheckpoint(init, initModel(deriveConfig(2, { maxSeqLen: 64 }), 1));
  const r = runInduction(
    { from: init, out: join(dir, 'ind'), steps: 300, evalEvery: 150, saveEvery: 150 },
    () => {},
  );
  assert.equal(r.stage, 'induction');
  assert.ok((r.metrics.heldout_loss as number) < Math.log(256) - 0.05, 'no learning at all');
  // Only the copies carry loss: 7..31 tokens of each of 16 rows of 64 tokens.
  const tokens = r.metrics.tokens as number;
  assert.ok(tokens >= 300 * 16 * 7 && tokens <= 300 * 16 * 31, `${tokens} loss tokens`);
  const bad = spawnSync(
    process.execPath,
    [
      join(import.meta.dirname, '../cli/main.js'),
      'train',
      'induction',
      '--from',
      init,
      '--out',
      join(dir, 'x'),
      '--seq',
      '8',
    ],
    { encoding: 'utf8' },
  );
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^loopsmith train induction: .*--seq 8 is too short/);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
});

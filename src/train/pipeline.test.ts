// The main job end to end on the micro preset (real harness, real sandbox when bubblewrap is
// here): every stage's checkpoint, held-out evals, summary and report; eval repositories
// disjoint from every training input; a rerun resumes by skipping what is complete.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TaskStore } from '../tasks/store.js';

const out = join(mkdtempSync(join(tmpdir(), 'pipeline-test-')), 'run');
const env = { ...process.env, LOOPSMITH_QUIET: '1', LOOPSMITH_THREADS: '1' };
const pipeline = () =>
  spawnSync(
    process.execPath,
    [
      'dist/src/cli/main.js',
      'pipeline',
      '--preset',
      'micro',
      '--out',
      out,
      '--ablation',
      'format,curriculum',
    ],
    { env, encoding: 'utf8' },
  );

const repos = (db: string) => {
  const s = new TaskStore(db);
  try {
    return new Set([...s.iterate({})].map((t) => t.repoId));
  } finally {
    s.close();
  }
};

test('pipeline --preset micro: all stages, held-out evals, summary and report; eval repos never trained on', () => {
  const r = pipeline();
  assert.equal(r.status, 0, r.stderr.slice(-2000));
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.deepEqual(
    summary.rows.map((x: { stage: string }) => x.stage),
    ['induction', 'pretrain', 'midtrain', 'sft', 'mid2.1', 'mid2.1+dagger', 'mid2.2', 'rl'],
  );
  for (const row of summary.rows) {
    if (row.stage !== 'rl') assert.ok(row.tokens_trained > 0, `${row.stage} trained no tokens`);
    if (row.stage !== 'rl')
      assert.ok(Number.isFinite(row.heldout_loss), `${row.stage} has no held-out loss`);
    if (row.stage !== 'pretrain' && row.stage !== 'induction')
      assert.ok(row.s1.tasks >= 1, `${row.stage} was not evaluated`);
  }
  // Tokens trained are the loss-bearing tokens the stage logged, not the dataset's size.
  const lastTokens = (d: string) =>
    JSON.parse(
      readFileSync(join(out, d, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .at(-1) as string,
    ).tokens;
  const row = (stage: string) => summary.rows.find((x: { stage: string }) => x.stage === stage);
  assert.equal(row('mid2.1').tokens_trained, lastTokens('mid2-1'));
  assert.equal(row('sft').tokens_trained, lastTokens('sft'));
  assert.ok(summary.curve.length >= 2, 'no learning curve');
  assert.ok(summary.curve[1].tokens > summary.curve[0].tokens);
  for (const f of ['summary.md', 'report.md', 'report.html'])
    assert.ok(existsSync(join(out, f)), f);
  assert.match(r.stdout, /\| mid2\.2 \|/);
  for (const d of ['induction', 'pretrain', 'midtrain', 'sft', 'mid2-1', 'mid2-1d', 'mid2-2', 'rl'])
    assert.equal(JSON.parse(readFileSync(join(out, d, 'manifest.json'), 'utf8')).complete, true, d);
  // Held out means held out: no repository of an eval store is in a training store, and the
  // mid2 phases refused nothing because nothing from eval repos ever reached them.
  const evalRepos = new Set(
    ['eval-s1.db', 'eval-s2.db', 'rl-heldout.db'].flatMap((d) => [...repos(join(out, d))]),
  );
  for (const db of ['tasks-s1.db', 'tasks-s2.db'])
    for (const id of repos(join(out, db)))
      assert.ok(!evalRepos.has(id), `${id} is in ${db} and an eval store`);
  for (const d of ['mid2-1', 'mid2-2'])
    assert.equal(
      JSON.parse(readFileSync(join(out, d, 'manifest.json'), 'utf8')).result
        .refused_eval_or_excluded,
      0,
    );
  // Rerun: every step is complete, so it only re-reads and re-reports.
  const t0 = Date.now();
  const again = pipeline();
  assert.equal(again.status, 0, again.stderr.slice(-2000));
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).rows, summary.rows);
  assert.ok(Date.now() - t0 < 60_000, 'the rerun redid work');
});

// `loopsmith train rl` through the real CLI: one step in the real harness and sandbox on a
// tiny checkpoint (the stage layout, the RL metric fields, rows equal to the sampled ids),
// and user errors (no eval split, no tokenizer, bad flag) as one line with exit 2.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readRecords } from '../gym/rollout.js';
import { CLI } from '../harness/test-utils.js';
import { deriveConfig } from '../lm/config.js';
import { initModel, saveCheckpoint } from '../lm/model.js';
import { bwrapAvailable } from '../sandbox/index.js';
import { callRows, emptyReport } from '../train/rl-groups.js';

const SANDBOX = bwrapAvailable().ok ? 'bwrap' : 'none';
const dir = mkdtempSync(join(tmpdir(), 'train-rl-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const FIXTURE = new URL('../../../src/gym/fixtures/sample-tasks.jsonl', import.meta.url).pathname;

const ckpt = join(dir, 'ckpt');
saveCheckpoint(ckpt, initModel(deriveConfig(1, { vocabSize: 266, maxSeqLen: 4096 }), 0));
// The fixture's six tasks, the last two moved to the eval split.
const tasks = join(dir, 'tasks.jsonl');
const lines = readFileSync(FIXTURE, 'utf8').trim().split('\n');
writeFileSync(
  tasks,
  lines
    .map((l, i) => {
      const o = JSON.parse(l);
      o.task.split = i >= 4 ? 'eval' : 'train';
      return `${JSON.stringify(o)}\n`;
    })
    .join(''),
);

function cli(args: string[]) {
  return spawnSync(process.execPath, [CLI, 'train', 'rl', ...args], {
    encoding: 'utf8',
    env: { ...process.env, LOOPSMITH_QUIET: '1', LOOPSMITH_MALLOC_TUNED: '0' },
    timeout: 120_000,
  });
}

test('one RL step in the real harness: stage layout, RL metrics, rows equal the sampled ids', async () => {
  const out = join(dir, 'out');
  const r = cli([
    '--from',
    ckpt,
    '--tasks',
    tasks,
    '--out',
    out,
    '--steps',
    '1',
    '--group',
    '2',
    '--tasks-per-step',
    '1',
    '--max-turns',
    '2',
    '--call-tokens',
    '16',
    '--eval-tasks',
    '1',
    '--sandbox',
    SANDBOX,
  ]);
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout);
  assert.equal(res.stage, 'rl');
  assert.equal(res.checkpoint, join(out, 'best'));
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.equal(manifest.stage, 'rl');
  assert.equal(manifest.complete, true);
  const [line] = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  for (const k of [
    'stage',
    'step',
    'tokens',
    'train_loss',
    'lr',
    'tokens_per_s',
    'elapsed_s',
    'reward_mean',
    'resolved_rate',
    'tokens_per_rollout',
    'tokens_per_resolved',
    'groups_kept',
    'groups_dropped',
    'masked',
    'gen_s',
    'sandbox_s',
    'update_s',
    'heldout_resolved',
  ])
    assert.ok(k in line, `metrics line lacks ${k}`);
  assert.equal(line.rollouts, 2);
  // Both rollouts ran the harness for two turns (a random model never finishes): masked.
  const recs = await readRecords(join(out, 'rollouts', 'step-1'));
  assert.equal(recs.length, 2);
  assert.equal(line.masked, recs.filter((x) => x.cutByLimit).length);
  for (const rec of recs) {
    const calls = rec.trajectory.turns.map((t) => t.tokens).filter((t) => t !== undefined);
    assert.ok(calls.length >= 1);
    const report = emptyReport();
    const rows = callRows('x', calls, report);
    // The harness + the one template keep the prefix property across turns.
    assert.equal(report.prefix_mismatches, 0);
    assert.equal(rows.length, 1);
    const last = calls[calls.length - 1];
    assert.deepEqual(rows[0].ids, [...last.promptIds, ...last.completionIds]);
    const sampled = rows[0].ids.filter((_, i) => rows[0].mask[i] === 1);
    assert.deepEqual(
      sampled,
      calls.flatMap((c) => c.completionIds),
    );
  }
});

test('tasks without an eval split: one line naming --tasks, exit 2', () => {
  const r = cli(['--from', ckpt, '--tasks', FIXTURE, '--out', join(dir, 'e1')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^loopsmith train rl: --tasks .*sample-tasks\.jsonl: no eval-split tasks/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('a checkpoint without a tokenizer: one line naming it, exit 2', () => {
  const bare = join(dir, 'bare');
  cpSync(ckpt, bare, { recursive: true });
  rmSync(join(bare, 'tokenizer.json'));
  const r = cli(['--from', bare, '--tasks', tasks, '--out', join(dir, 'e2')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^loopsmith train rl: --from .*bare: no tokenizer\.json/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('bad flags and a missing checkpoint: one line, exit 2', () => {
  const a = cli(['--from', ckpt, '--tasks', tasks, '--out', join(dir, 'e3'), '--group', '1']);
  assert.equal(a.status, 2);
  assert.match(a.stderr, /--group must be an integer >= 2/);
  const b = cli(['--from', join(dir, 'nope'), '--tasks', tasks, '--out', join(dir, 'e4')]);
  assert.equal(b.status, 2);
  assert.match(b.stderr, /^loopsmith train rl: .*nope: not a checkpoint/);
  assert.equal(b.stderr.trim().split('\n').length, 1);
  const c = cli([
    '--from',
    ckpt,
    '--tasks',
    tasks,
    '--out',
    join(dir, 'e5'),
    '--filter',
    'stage=9',
  ]);
  assert.equal(c.status, 2);
  assert.match(c.stderr, /^loopsmith train rl: --tasks .*: no eval-split tasks matching stage=9/);
});

test('--teacher-start: train rollouts begin with the teacher turns before its edit, trained on the policy only', async () => {
  const teacher = join(dir, 'teacher');
  const t = spawnSync(
    process.execPath,
    [
      ...[CLI, 'rollout', '--tasks', tasks, '--model', 'oracle', '--out', teacher],
      // The first four are the train split, all RL may pick.
      ...['--limit', '4', '--concurrency', '2', '--sandbox', SANDBOX],
    ],
    { encoding: 'utf8', env: { ...process.env, LOOPSMITH_QUIET: '1' }, timeout: 300_000 },
  );
  assert.equal(t.status, 0, t.stderr);
  const taught = new Map(
    (await readRecords(teacher)).map((r) => [r.taskId, r.trajectory.messages] as const),
  );
  const out = join(dir, 'started');
  const r = cli([
    ...['--from', ckpt, '--tasks', tasks, '--out', out, '--steps', '1', '--group', '2'],
    ...['--tasks-per-step', '1', '--max-turns', '6', '--call-tokens', '16', '--eval-tasks', '1'],
    ...['--sandbox', SANDBOX, '--teacher-start', teacher],
  ]);
  assert.equal(r.status, 0, r.stderr);
  const recs = await readRecords(join(out, 'rollouts', 'step-1'));
  assert.equal(recs.length, 2);
  for (const rec of recs) {
    const mine = rec.trajectory.messages.filter((m) => m.role === 'assistant');
    const his = (taught.get(rec.taskId) ?? []).filter((m) => m.role === 'assistant');
    const at = his.findIndex((m) =>
      (m as { tool_calls?: { function: { name: string } }[] }).tool_calls?.some(
        (c) => c.function.name === 'edit' || c.function.name === 'write',
      ),
    );
    assert.ok(at >= 1, 'the oracle reads before it edits');
    assert.deepEqual(mine.slice(0, at), his.slice(0, at));
    // The replayed turns are prompt: no token ids; the policy's turns have them.
    const turns = rec.trajectory.turns;
    assert.ok(turns.slice(0, at).every((x) => x.tokens === undefined));
    const calls = turns.map((x) => x.tokens).filter((x) => x !== undefined);
    assert.equal(calls.length, turns.length - at);
    const rows = callRows('x', calls, emptyReport());
    const sampled = rows.flatMap((row) => row.ids.filter((_, i) => row.mask[i] === 1));
    assert.deepEqual(
      sampled,
      calls.flatMap((c) => c.completionIds),
    );
  }
  // Held-out rollouts start from the first turn.
  const held = await readRecords(join(out, 'eval', 'step-0'));
  assert.ok(held.every((x) => x.trajectory.turns[0].tokens !== undefined));
  const bad = cli([
    ...['--from', ckpt, '--tasks', tasks, '--out', join(dir, 'e6')],
    ...['--teacher-start', join(dir, 'no-such-run')],
  ]);
  assert.equal(bad.status, 2);
  assert.match(
    bad.stderr,
    /^loopsmith train rl: --teacher-start .*no-such-run is not a rollout run directory/,
  );
  assert.equal(bad.stderr.trim().split('\n').length, 1);
});

// Stages as a user runs them: exact resume after kill -9, one-line errors on bad input with
// nothing overwritten, and mid2's refusal of eval-split tasks.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createOracleModel } from '../gym/oracle.js';
import { runRollouts } from '../gym/rollout.js';
import { loadGymTasks } from '../gym/tasks-source.js';
import { deriveConfig } from '../lm/config.js';
import { initModel, saveCheckpoint } from '../lm/model.js';
import { trainTokenizer } from '../lm/tokenizer.js';
import { generateInto } from '../tasks/index.js';
import { DEFAULT_SPEC } from '../tasks/pipeline.js';
import { TaskStore } from '../tasks/store.js';
import { generateRepo } from '../tasks/synth/index.js';
import { runMid2 } from './mid2.js';

const CLI = 'dist/src/cli/main.js';
const env = { ...process.env, LOOPSMITH_QUIET: '1', LOOPSMITH_THREADS: '1' };
const dir = mkdtempSync(join(tmpdir(), 'stage-test-'));

function init(name: string, vocab: number, seed = 1): string {
  const texts = [1, 2, 3].map((s) => Object.values(generateRepo(s).files).join('\n'));
  const tok = trainTokenizer(texts, vocab);
  const p = join(dir, name);
  saveCheckpoint(
    p,
    initModel(deriveConfig(1, { vocabSize: tok.vocabSize, maxSeqLen: 2048 }), seed, tok),
  );
  return p;
}
const ckptA = init('initA', 400);
const ckptB = init('initB', 420);
const pretrainArgs = (out: string, from = ckptA) => [
  CLI,
  'train',
  'pretrain',
  '--from',
  from,
  '--out',
  out,
  '--steps',
  '8',
  '--batch',
  '2',
  '--seq',
  '64',
  '--save-every',
  '1',
  '--eval-every',
  '4',
  '--synth-seeds',
  '1-3',
  '--warmup',
  '2',
];
const run = (args: string[]) => spawnSync(process.execPath, args, { env, encoding: 'utf8' });
const weights = (out: string) => readFileSync(join(out, 'ckpt', 'model.safetensors'));

test('pretrain resumes after kill -9 to the same weights as an uninterrupted run', async () => {
  const whole = join(dir, 'whole');
  assert.equal(run(pretrainArgs(whole)).status, 0);
  const killed = join(dir, 'killed');
  const child = spawn(process.execPath, pretrainArgs(killed), { env, stdio: 'ignore' });
  // Kill once a few steps are logged (a checkpoint every step, so the kill can land mid-save).
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      const m = join(killed, 'metrics.jsonl');
      if (existsSync(m) && readFileSync(m, 'utf8').split('\n').filter(Boolean).length >= 3) {
        clearInterval(poll);
        child.kill('SIGKILL');
        resolve();
      }
    }, 5);
  });
  await new Promise((r) => child.on('exit', r));
  const m = JSON.parse(readFileSync(join(killed, 'manifest.json'), 'utf8'));
  assert.equal(m.complete, false, 'the kill came after the run finished; the test proves nothing');
  const again = run(pretrainArgs(killed));
  assert.equal(again.status, 0, again.stderr);
  assert.ok(
    weights(killed).equals(weights(whole)),
    'resumed weights differ from the uninterrupted run',
  );
  const lines = readFileSync(join(killed, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => l.step),
    [1, 2, 3, 4, 5, 6, 7, 8],
    'metrics lines repeated or lost across the resume',
  );
  // A complete stage is skipped.
  const skip = run(pretrainArgs(killed));
  assert.equal(JSON.parse(skip.stdout).skipped, true);
});

test('bad input: one line naming the file, exit 2, nothing overwritten', () => {
  const expectUsage = (args: string[], re: RegExp) => {
    const r = run(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  };
  expectUsage(pretrainArgs(join(dir, 'x'), join(dir, 'missing')), /missing: not a checkpoint/);
  // Another tokenizer than the output was trained with: refused, the output untouched.
  const whole = join(dir, 'whole2');
  assert.equal(run([...pretrainArgs(whole).slice(0, 9), '--steps', '3']).status, 0);
  const before = statSync(join(whole, 'ckpt', 'model.safetensors')).mtimeMs;
  writeFileSync(
    join(whole, 'manifest.json'),
    JSON.stringify({
      ...JSON.parse(readFileSync(join(whole, 'manifest.json'), 'utf8')),
      complete: false,
    }),
  );
  // Resuming from another checkpoint is refused; so is the same path holding another tokenizer.
  expectUsage(
    [...pretrainArgs(whole, ckptB)],
    /holds a pretrain run from .*initA, not from .*initB/,
  );
  const ckptC = init('initC', 400);
  const wholeC = join(dir, 'wholeC');
  assert.equal(run([...pretrainArgs(wholeC, ckptC).slice(0, 9), '--steps', '3']).status, 0);
  const m = JSON.parse(readFileSync(join(wholeC, 'manifest.json'), 'utf8'));
  writeFileSync(join(wholeC, 'manifest.json'), JSON.stringify({ ...m, complete: false }));
  writeFileSync(join(ckptC, 'tokenizer.json'), readFileSync(join(ckptB, 'tokenizer.json')));
  expectUsage([...pretrainArgs(wholeC, ckptC)], /initC\/tokenizer\.json: another tokenizer/);
  assert.equal(statSync(join(whole, 'ckpt', 'model.safetensors')).mtimeMs, before);
  // A corrupt JSONL line, named with its line number.
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, '{"trajectory": {"messages": []}}\n{not json\n');
  expectUsage(
    [
      CLI,
      'train',
      'sft',
      '--from',
      ckptA,
      '--out',
      join(dir, 'sft'),
      '--drill-seeds',
      '1',
      '--per-repo',
      '1',
      '--sandbox',
      'none',
      '--extra',
      bad,
      '--steps',
      '1',
    ],
    /bad\.jsonl:2: not valid JSON/,
  );
  // An empty dataset: a run directory with no rollouts.
  const emptyRun = join(dir, 'empty-run');
  spawnSync('mkdir', ['-p', join(emptyRun, 'rollouts')]);
  const db = join(dir, 'empty.db');
  new TaskStore(db).close();
  expectUsage(
    [
      CLI,
      'train',
      'mid2',
      '--from',
      ckptA,
      '--out',
      join(dir, 'm2'),
      '--runs',
      emptyRun,
      '--tasks',
      db,
    ],
    /no usable rollouts/,
  );
  expectUsage(
    [
      CLI,
      'train',
      'mid2',
      '--from',
      ckptA,
      '--out',
      join(dir, 'm2'),
      '--runs',
      emptyRun,
      '--tasks',
      join(dir, 'nope.db'),
    ],
    /nope\.db: no such task store/,
  );
});

test('mid2 trains on train-split tasks only: rollouts of eval-split repos are refused and counted', async () => {
  const db = join(dir, 'mixed.db');
  const store = new TaskStore(db);
  await generateInto(store, {
    ...DEFAULT_SPEC,
    source: 'synth',
    count: 24,
    seed: 40,
    stage: 1,
    evalFraction: 0.5,
    maxPerKind: 1,
  });
  store.close();
  const all = await loadGymTasks(db);
  const byRepo = new Map<string, string>();
  for (const gt of all) byRepo.set(gt.task.repoId, gt.task.split);
  assert.ok(
    [...byRepo.values()].includes('eval') && [...byRepo.values()].includes('train'),
    'need both splits',
  );
  // One task per repo keeps the test fast.
  const one = [...new Map(all.map((gt) => [gt.task.repoId, gt])).values()];
  const runDir = join(dir, 'mixed-run');
  await runRollouts(one, {
    outDir: runDir,
    makeModel: (gt, _k, seed) => createOracleModel(gt, { seed }),
    episode: { sandbox: 'none' },
    config: { model: 'oracle' },
  });
  const r = runMid2(
    {
      from: ckptA,
      out: join(dir, 'mid2-mixed'),
      runs: [runDir],
      tasks: db,
      phase: 1,
      steps: 1,
      batch: 1,
      seq: 2047,
    },
    () => {},
  );
  const evalCount = one.filter((gt) => gt.task.split === 'eval').length;
  assert.equal(r.metrics.refused_eval_or_excluded, evalCount);
  assert.equal(r.metrics.rollouts, one.length - evalCount);
});

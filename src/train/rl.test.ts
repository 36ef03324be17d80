// RL stage: advantages and masking on hand-made groups, the frontier, rows equal to the
// sampled ids, a toy policy that improves, resume after kill -9 mid-step (same weights as an
// uninterrupted run).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { saveCheckpoint } from '../lm/checkpoint.js';
import { GenerationWorker } from '../lm/generate-worker.js';
import { localModelFrom } from '../providers/local.js';
import { runRl } from './rl.js';
import { Frontier } from './rl-frontier.js';
import {
  buildGroups,
  callRows,
  contextCut,
  emptyReport,
  flagged,
  fromRecord,
  groupRows,
  type RlRollout,
} from './rl-groups.js';
import { GroupSampler, seedOf } from './rl-sampler.js';
import { TOY_RL, TOY_TOOLS, toyEnv, warmToy } from './rl-toy.js';

process.env.LOOPSMITH_QUIET = '1';
const dir = mkdtempSync(join(tmpdir(), 'rl-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const toyCkpt = join(dir, 'toy');
saveCheckpoint(toyCkpt, warmToy(0, 150));

const ro = (taskId: string, k: number, reward: number, masked = false): RlRollout => ({
  taskId,
  k,
  reward,
  resolved: reward > 0,
  masked,
  status: masked ? 'turn_limit' : 'submitted',
  totalTokens: 100,
  completionTokens: 10,
  calls: [{ promptIds: [1, 2], completionIds: [3, 4], logprobs: [-0.5, -0.25] }],
});

test('leave-one-out advantages over unmasked rollouts; masked ones get 0 and no baseline share', () => {
  const [g] = buildGroups([ro('a', 0, 1), ro('a', 1, 0), ro('a', 2, 0), ro('a', 3, 1, true)]);
  assert.ok(g.kept);
  // Unmasked rewards [1, 0, 0]: 1 - 0 = 1, 0 - 0.5 = -0.5 twice; the masked one does not count.
  assert.deepEqual(g.advantages, [1, -0.5, -0.5, 0]);
  // A token cost makes resolved rewards differ: still a signal.
  const [c] = buildGroups([ro('c', 0, 0.9), ro('c', 1, 0.7)]);
  assert.ok(c.kept);
  assert.ok(Math.abs(c.advantages[0] - 0.2) < 1e-9 && Math.abs(c.advantages[1] + 0.2) < 1e-9);
});

test('--neg-weight scales negative advantages; 0 trains only rollouts above their baseline', () => {
  const groups = buildGroups([ro('a', 0, 1), ro('a', 1, 0), ro('a', 2, 0)]);
  const adv = (w: number) => groupRows(groups, emptyReport(), w).map((r) => [r.k, r.advantage]);
  assert.deepEqual(adv(1), [
    [0, 1],
    [1, -0.5],
    [2, -0.5],
  ]);
  assert.deepEqual(adv(0.5), [
    [0, 1],
    [1, -0.25],
    [2, -0.25],
  ]);
  assert.deepEqual(adv(0), [[0, 1]]);
});

test('cut rollouts: masked or failures by the rule; a cut rollout the tests resolve is never masked', () => {
  const rec = (k: number, status: string, resolved: boolean) =>
    ({
      taskId: 't',
      k,
      status,
      cutByLimit: status === 'turn_limit',
      reward: { reward: resolved ? 0.8 : 0 },
      grade: { resolved, verdict: resolved ? 'resolved' : 'failed' },
      usage: { totalTokens: 10, completionTokens: 2 },
      trajectory: { turns: [], message: undefined },
    }) as never;
  const recs = [rec(0, 'submitted', true), rec(1, 'turn_limit', false), rec(2, 'turn_limit', true)];
  const masked = recs.map((r) => fromRecord(r));
  assert.deepEqual(
    masked.map((r) => r.masked),
    [false, true, false],
  );
  // mask: the two successes differ by nothing, so no signal; fail: 0.8 vs 0 vs 0.8.
  assert.equal(buildGroups(masked)[0].dropped, 'no_variance');
  const failed = recs.map((r) => fromRecord(r, 'fail'));
  assert.deepEqual(
    failed.map((r) => r.masked),
    [false, false, false],
  );
  const [g] = buildGroups(failed);
  assert.ok(g.kept);
  assert.ok(Math.abs(g.advantages[1] + 0.8) < 1e-9 && Math.abs(g.advantages[0] - 0.4) < 1e-9);
});

test('a rollout stopped by the context limit counts as cut; a model failure does not', () => {
  assert.ok(
    contextCut(
      'error',
      "model error: local:x: the prompt is 5000 tokens, the model's context is 4096",
    ),
  );
  assert.ok(!contextCut('error', 'model error: HTTP 500'));
  assert.ok(!contextCut('format_errors', 'context is'));
});

test('a grade a defence flagged earns nothing; empty finding lists are no finding', () => {
  const base = { resolved: true, verdict: 'resolved', tampered: [], suspicious: [] } as never;
  assert.equal(flagged(base), false);
  assert.equal(flagged({ ...(base as object), verdict: 'suspicious' } as never), true);
  assert.equal(
    flagged({ ...(base as object), tampered: [{ defence: 'canaries' }] } as never),
    true,
  );
  assert.equal(flagged({ resolved: true } as never), false);
});

test('groups without reward variance, or with fewer than two unmasked rollouts, are dropped', () => {
  const gs = buildGroups([
    ro('same', 0, 1),
    ro('same', 1, 1),
    ro('cut', 0, 1),
    ro('cut', 1, 0, true),
    ro('cut', 2, 0, true),
    ro('mixed', 0, 0),
    ro('mixed', 1, 1),
  ]);
  assert.deepEqual(
    gs.map((g) => [g.taskId, g.kept, g.dropped ?? null]),
    [
      ['same', false, 'no_variance'],
      ['cut', false, 'too_few_unmasked'],
      ['mixed', true, null],
    ],
  );
  // Only the kept group's rollouts become rows, each with its advantage.
  const rows = groupRows(gs);
  assert.deepEqual(
    rows.map((r) => [r.taskId, r.k, r.advantage]),
    [
      ['mixed', 0, -1],
      ['mixed', 1, 1],
    ],
  );
  assert.deepEqual(rows[0].ids, [1, 2, 3, 4]);
  assert.deepEqual(rows[0].mask, [0, 0, 1, 1]);
  assert.deepEqual(rows[0].logprobs, [0, 0, -0.5, -0.25]);
});

test('the frontier samples tasks near 50%, sets always/never-solved ones aside, then revisits them', () => {
  const f = new Frontier(['easy', 'hard', 'mid', 'new'], {}, { revisitAfter: 2 });
  f.record('easy', [true, true, true, true], 1);
  f.record('hard', [false, false, false, false], 1);
  f.record('mid', [true, false, true, false], 1);
  assert.deepEqual(f.pick(2, 2, 0).sort(), ['mid', 'new']);
  assert.deepEqual(f.aside(2), { always: 1, never: 1 });
  // With more slots than open tasks, the set-aside ones fill the rest.
  assert.equal(f.pick(2, 4, 0).length, 4);
  // After revisitAfter steps they are open again.
  assert.deepEqual(f.aside(4), { always: 0, never: 0 });
});

test("a rollout's training row holds exactly the ids and logprobs the sampler produced", async () => {
  const model = warmToy(1, 20);
  const m = localModelFrom(model, 'toy', { seed: 3, maxTokens: 12 });
  const first = await m.complete({
    messages: [
      { role: 'system', content: 'Pick a tool.' },
      { role: 'user', content: 'go' },
    ],
    tools: TOY_TOOLS,
  });
  const t1 = first.tokens;
  assert.ok(t1?.logprobs);
  // A second turn after a tool result: its prompt extends turn 1's prompt + completion.
  const second = await m.complete({
    messages: [
      { role: 'system', content: 'Pick a tool.' },
      { role: 'user', content: 'go' },
      first.message,
      ...(first.message.tool_calls ?? []).map((c) => ({
        role: 'tool' as const,
        tool_call_id: c.id,
        content: 'ok',
      })),
      ...(first.message.tool_calls?.length ? [] : [{ role: 'user' as const, content: 'again' }]),
    ],
    tools: TOY_TOOLS,
  });
  const t2 = second.tokens;
  assert.ok(t2?.logprobs);
  const report = emptyReport();
  const rows = callRows('r', [t1, t2], report);
  assert.equal(rows.length, 1, 'the two turns merge on the exact prefix');
  assert.equal(report.prefix_mismatches, 0);
  const row = rows[0];
  assert.deepEqual(row.ids, [...t2.promptIds, ...t2.completionIds]);
  const sampledAt = row.mask.flatMap((m, i) => (m === 1 ? [i] : []));
  assert.deepEqual(
    sampledAt.map((i) => row.ids[i]),
    [...t1.completionIds, ...t2.completionIds],
  );
  assert.deepEqual(
    sampledAt.map((i) => row.logprobs[i]),
    [...t1.logprobs, ...t2.logprobs],
  );
});

test("a group's first turns are one batched call; later turns single calls with their own seeds", async () => {
  const model = warmToy(2, 10);
  // No prefix reuse: the second call of a prompt would run it through other kernels, equal
  // only up to rounding, and this compares logprobs exactly.
  const w = new GenerationWorker(model, { prefixCacheMB: 0 });
  try {
    const s = new GroupSampler(w, 4, 77);
    const prompt = [1, 5, 9, 12, 3];
    const o = { maxTokens: 6, temperature: 1, topP: 1, seed: 0, stopIds: [] };
    const firsts = await Promise.all([0, 1, 2, 3].map((k) => s.hook('t', k)(prompt, o, 0)));
    const batch = await w.generateGroup(prompt, 4, { ...o, seed: seedOf(77, 't') });
    assert.deepEqual(
      firsts.map((r) => r.ids),
      batch.map((r) => r.ids),
    );
    assert.deepEqual(
      firsts.map((r) => r.logprobs),
      batch.map((r) => r.logprobs),
    );
    assert.ok(new Set(firsts.map((r) => r.ids.join())).size > 1, 'rows sample independently');
    const later = await s.hook('t', 1)(prompt, o, 1);
    const single = await w.generate(prompt, { ...o, seed: seedOf(77, 't', 1, 1) });
    assert.deepEqual(later.ids, single.ids);
  } finally {
    await w.close();
  }
});

const rewards = (out: string) =>
  readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

test('the toy policy (calling `good` is rewarded) improves its reward within a few steps', async () => {
  const out = join(dir, 'improve');
  const r = await runRl(
    { ...TOY_RL, from: toyCkpt, tasks: '-', out, steps: 6 },
    { env: toyEnv(), log: () => {} },
  );
  const m = rewards(out);
  assert.equal(m.length, 6);
  const firstR = m[0].reward_mean;
  const lastR = (m[4].reward_mean + m[5].reward_mean) / 2;
  assert.ok(firstR < 0.7, `the warm model starts near the frontier (${firstR})`);
  assert.ok(lastR >= firstR + 0.2, `reward ${firstR} -> ${lastR}`);
  // The first update trains the very weights that sampled: the forward's logprobs of the
  // sampled ids equal the sampler's (ratio 1), which holds only if the rows are exact.
  assert.ok(Math.abs(m[0].ratio_mean - 1) < 1e-3, `ratio ${m[0].ratio_mean}`);
  assert.ok(Math.abs(m[0].approx_kl) < 1e-3, `kl ${m[0].approx_kl}`);
  for (const k of [
    'groups_kept',
    'groups_dropped',
    'masked',
    'tokens_per_rollout',
    'gen_s',
    'update_s',
  ])
    assert.ok(k in m[0], `metrics line has ${k}`);
  assert.ok(r.metrics.updates && Number(r.metrics.updates) >= 3);
  assert.ok(existsSync(join(out, 'best', 'best.json')));
  assert.equal(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).complete, true);
});

test('with the KL anchor and positives only the toy policy still improves; its KL starts at 0 and grows', async () => {
  const out = join(dir, 'anchored');
  await runRl(
    { ...TOY_RL, from: toyCkpt, tasks: '-', out, steps: 6, kl: 0.05, negWeight: 0 },
    { env: toyEnv(), log: () => {} },
  );
  const m = rewards(out);
  assert.equal(m.length, 6);
  // Step 1 trains the start weights themselves: the anchor's KL is 0 there.
  assert.ok(Math.abs(m[0].ref_kl) < 1e-4, `ref_kl ${m[0].ref_kl}`);
  assert.ok(
    m.slice(1).some((x) => x.ref_kl > 1e-4),
    `the policy moves away from the start: ${m.map((x) => x.ref_kl)}`,
  );
  const firstR = m[0].reward_mean;
  const lastR = (m[4].reward_mean + m[5].reward_mean) / 2;
  assert.ok(lastR >= firstR + 0.15, `reward ${firstR} -> ${lastR}`);
});

test('resume after kill -9 mid-step ends with the same weights and metrics as an uninterrupted run', async () => {
  const steps = 5;
  const whole = join(dir, 'whole');
  await runRl(
    { ...TOY_RL, from: toyCkpt, tasks: '-', out: whole, steps },
    { env: toyEnv(), log: () => {} },
  );

  const cut = join(dir, 'cut');
  const main = fileURLToPath(new URL('./rl-toy-main.js', import.meta.url));
  const child = spawn(process.execPath, [main, toyCkpt, cut, String(steps), '40'], {
    stdio: 'ignore',
  });
  const stepDir = join(cut, 'rollouts', 'step-3', 'rollouts');
  const t0 = Date.now();
  // Wait until step 3 has some (not all) of its rollouts on disk, then kill -9.
  for (;;) {
    const n = existsSync(stepDir)
      ? readdirSync(stepDir)
          .flatMap((t) => readdirSync(join(stepDir, t)))
          .filter((f) => f.endsWith('.json')).length
      : 0;
    if (n >= 3) break;
    assert.ok(Date.now() - t0 < 30_000, 'the child reached step 3');
    await sleep(10);
  }
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.ok(!JSON.parse(readFileSync(join(cut, 'manifest.json'), 'utf8')).complete);
  await runRl(
    { ...TOY_RL, from: toyCkpt, tasks: '-', out: cut, steps },
    { env: toyEnv(), log: () => {} },
  );

  const a = rewards(whole);
  const b = rewards(cut);
  assert.deepEqual(
    b.map((l) => l.step),
    [1, 2, 3, 4, 5],
    'every step logged exactly once',
  );
  const keep = (l: Record<string, unknown>) => [
    l.step,
    l.reward_mean,
    l.train_loss,
    l.tasks,
    l.trained_tokens,
  ];
  assert.deepEqual(b.map(keep), a.map(keep));
  assert.ok(
    readFileSync(join(whole, 'ckpt', 'model.safetensors')).equals(
      readFileSync(join(cut, 'ckpt', 'model.safetensors')),
    ),
    'same weights',
  );
});

// Metrics on hand-made runs: Wilson intervals against published values, unbiased pass@k
// against a brute-force count over every k-subset, McNemar's exact test against hand
// computed binomial tails, the paired bootstrap, and breakdowns with their counts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RolloutRecord } from '../gym/rollout.js';
import { compareRuns } from './compare.js';
import { computeMetrics, integrityFlag, type TaskMeta } from './metrics.js';
import type { EvalRun } from './run.js';
import { mcnemarExact, pairedBootstrap, passAtK, wilson } from './stats.js';

const close = (a: number, b: number, eps = 1e-4) =>
  assert.ok(Math.abs(a - b) < eps, `${a} is not within ${eps} of ${b}`);

test('wilson: textbook values, bounds inside [0, 1]', () => {
  const [lo, hi] = wilson(5, 10);
  close(lo, 0.2366);
  close(hi, 0.7634);
  const [lo0, hi0] = wilson(0, 10);
  assert.equal(lo0, 0);
  close(hi0, 0.2775);
  const [lo1, hi1] = wilson(10, 10);
  close(lo1, 0.7225);
  assert.equal(hi1, 1);
  assert.deepEqual(wilson(0, 0), [0, 1]);
});

function* subsets(n: number, k: number, start = 0): Generator<number[]> {
  if (k === 0) return yield [];
  for (let i = start; i <= n - k; i++)
    for (const rest of subsets(n, k - 1, i + 1)) yield [i, ...rest];
}

test('pass@k equals the brute-force share of k-subsets holding a success', () => {
  for (const [n, c] of [
    [5, 0],
    [5, 1],
    [6, 2],
    [8, 3],
    [7, 7],
    [10, 4],
  ])
    for (let k = 1; k <= n; k++) {
      let hit = 0;
      let all = 0;
      for (const s of subsets(n, k)) {
        all++;
        if (s.some((i) => i < c)) hit++;
      }
      close(passAtK(n, c, k), hit / all, 1e-9);
    }
});

test('mcnemar exact: binomial tails by hand', () => {
  close(mcnemarExact(1, 9), (2 * (1 + 10)) / 1024, 1e-12);
  close(mcnemarExact(9, 1), (2 * (1 + 10)) / 1024, 1e-12);
  close(mcnemarExact(0, 5), 2 / 32, 1e-12);
  assert.equal(mcnemarExact(3, 3), 1);
  assert.equal(mcnemarExact(0, 0), 1);
  close(mcnemarExact(2, 12), (2 * (1 + 14 + 91)) / 16384, 1e-12);
});

test('paired bootstrap: seeded, holds the mean, collapses when every pair differs alike', () => {
  const a = [1, 1, 1, 0, 1, 0, 1, 1, 0, 1];
  const b = [0, 1, 0, 0, 1, 0, 0, 1, 0, 0];
  const r = pairedBootstrap(a, b, { seed: 3 });
  close(r.mean, 0.4, 1e-12);
  assert.ok(r.lo <= 0.4 && 0.4 <= r.hi && r.lo > 0, JSON.stringify(r));
  assert.deepEqual(pairedBootstrap(a, b, { seed: 3 }), r);
  const same = pairedBootstrap([1, 1, 1], [0, 0, 0]);
  assert.deepEqual([same.lo, same.hi], [1, 1]);
});

let seq = 0;
function rec(
  taskId: string,
  resolved: boolean,
  tokens: number,
  extra: Partial<RolloutRecord> = {},
): RolloutRecord {
  const k = seq++;
  return {
    format: 'loopsmith.rollout/1',
    taskId,
    stage: 1,
    k,
    seed: k,
    model: 'hand',
    status: 'submitted',
    turns: 2,
    cutByLimit: false,
    usage: {
      promptTokens: tokens - 10,
      completionTokens: 10,
      cachedTokens: 4,
      totalTokens: tokens,
      estimated: false,
    },
    grade: {
      resolved,
      f2pPassed: 0,
      f2pTotal: 1,
      p2pPassed: 0,
      p2pTotal: 1,
      f2pFraction: 0,
      p2pFraction: 0,
      f2pFailing: [],
      p2pFailing: [],
      testExitCode: 0,
      testMs: 1,
    },
    reward: {
      reward: resolved ? 1 : 0,
      resolved: resolved ? 1 : 0,
      tokenPenalty: 0,
      totalTokens: tokens,
    },
    timings: {
      materializeMs: 1,
      agentMs: 1,
      modelMs: 1,
      toolMs: 1,
      bashMs: 1,
      harnessMs: 1,
      gradeMs: 1,
      totalMs: 2000,
    },
    trajectory: {
      messages: [
        { role: 'system', content: 's' },
        { role: 'user', content: 'u' },
        { role: 'assistant', content: 'no call' },
        { role: 'user', content: 'err' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'c', type: 'function', function: { name: 'finish', arguments: '{}' } },
          ],
        },
      ],
      turns: [
        { turn: 1, messageIndex: 2, usage: {}, modelMs: 1, tools: [] },
        {
          turn: 2,
          messageIndex: 4,
          usage: {},
          modelMs: 1,
          tools: [{ id: 'c', name: 'finish', ms: 1, isError: false, formatError: false }],
        },
      ],
      diff: '',
    } as unknown as RolloutRecord['trajectory'],
    ...extra,
  };
}

const meta = (
  id: string,
  repoId: string,
  stage: number,
  kinds: string[],
  difficulty: number,
): TaskMeta => ({
  id,
  repoId,
  stage,
  family: 'bugfix',
  kinds,
  difficulty,
  language: 'js',
  split: 'eval',
  failToPass: ['t'],
  passToPass: ['p'],
});

test('computeMetrics: rates, intervals, tokens, format errors, flags and breakdowns with counts', () => {
  const metas = [
    meta('t1', 'r1', 1, ['op_change'], 0.1),
    meta('t2', 'r1', 1, ['op_flip'], 0.5),
    meta('t3', 'r2', 2, ['op_change', 'remove_loop'], 0.9),
  ];
  const tampered = rec('t3', false, 300);
  (tampered.grade as unknown as Record<string, unknown>).tampered = [
    { defence: 'canary', reason: 'a must-fail canary passed' },
  ];
  const records = [
    rec('t1', true, 100),
    rec('t1', true, 200),
    rec('t2', false, 400),
    rec('t2', true, 200),
    tampered,
    rec('t3', false, 300, { status: 'turn_limit' }),
  ];
  const m = computeMetrics(records, metas);
  assert.equal(m.tasks, 3);
  assert.equal(m.repos, 2);
  assert.equal(m.rollouts, 6);
  assert.equal(m.resolved, 3);
  assert.equal(m.resolved_rate, 0.5);
  close(m.ci95[0], 0.1876);
  close(m.ci95[1], 0.8124);
  // pass@1 = mean(1, 0.5, 0); pass@2 = mean(1, 1, 0).
  close(m.pass_at_k['1'], 0.5);
  close(m.pass_at_k['2'], 2 / 3);
  assert.equal(m.tokens.total, 250);
  assert.equal(m.tokens.completion, 10);
  assert.equal(m.tokens.cached, 4);
  assert.equal(m.tokens_per_resolved_task, 167);
  assert.equal(m.format_error_rate, 0.5);
  assert.equal(m.wall_s_mean, 2);
  assert.deepEqual(m.exit_statuses, { submitted: 5, turn_limit: 1 });
  assert.equal(m.tampered, 1);
  assert.equal(m.suspicious, 0);
  assert.deepEqual(m.defences, { canary: 1 });
  assert.deepEqual(Object.keys(m.by.stage), ['stage 1', 'stage 2']);
  assert.equal(m.by.stage['stage 1'].tasks, 2);
  assert.equal(m.by.stage['stage 1'].repos, 1);
  assert.equal(m.by.stage['stage 1'].resolved, 3);
  // A combined task counts under each of its kinds.
  assert.equal(m.by.kind.op_change.tasks, 2);
  assert.equal(m.by.kind.op_change.repos, 2);
  assert.equal(m.by.kind.remove_loop.rollouts, 2);
  assert.equal(m.by.difficulty['easy (<0.33)'].tasks, 1);
});

test('integrityFlag reads the shapes a grader may record', () => {
  assert.equal(integrityFlag({ resolved: false }), null);
  assert.equal(integrityFlag({ tampered: true }), 'tampered');
  assert.equal(integrityFlag({ invalid: 'tampered' }), 'tampered');
  assert.equal(integrityFlag({ suspicious: ['imports node:assert'] }), 'suspicious');
  assert.equal(integrityFlag({ suspicious: [] }), null);
  assert.equal(integrityFlag({ status: 'suspicious' }), 'suspicious');
  assert.equal(integrityFlag({ verdict: 'tampered', tampered: [] }), 'tampered');
  assert.equal(integrityFlag({ verdict: 'resolved', tampered: [], suspicious: [] }), null);
});

test('compareRuns: paired on common tasks, won / lost, McNemar and token ratio', () => {
  const ids = Array.from({ length: 12 }, (_, i) => `t${i}`);
  const run = (label: string, wins: Set<number>, tokens: number, only = ids): EvalRun => ({
    dir: label,
    info: { label } as EvalRun['info'],
    meta: only.map((id, i) => meta(id, `r${i % 4}`, 1, ['op_change'], 0.2)),
    records: only.map((id) => rec(id, wins.has(Number(id.slice(1))), tokens, { k: 0 })),
  });
  const A = run('A', new Set([0, 1, 2, 3, 4, 5, 6, 7, 8]), 100);
  const B = run('B', new Set([0, 9]), 300, [...ids, 'extra']);
  const c = compareRuns(A, B);
  assert.equal(c.tasks, 12);
  assert.equal(c.repos, 4);
  assert.equal(c.resolved_a, 9);
  assert.equal(c.resolved_b, 2);
  assert.deepEqual(c.lost, ['t9']);
  assert.equal(c.won.length, 8);
  close(c.mcnemar.p, mcnemarExact(8, 1));
  close(c.diff, 7 / 12);
  assert.ok(c.diff_ci95[0] > 0 && c.diff_ci95[1] <= 1);
  assert.equal(c.token_ratio, 3);
});

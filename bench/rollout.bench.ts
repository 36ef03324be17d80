// Teacher data speed: oracle rollouts per minute through the real harness and sandbox,
// today's path (every agent command runs in its own bwrap) against the new one (`rollout
// --reuse-runs`: a command already run on an identical workspace is replayed), in the same
// run on the same tasks and seeds, with where the time goes (agent test runs, grading, the
// loop) and what the trajectories cost (o200k tokens, turns). Both paths must produce
// byte-identical trajectories; the bench says so. Short on purpose (the machine is shared):
// sample + factory fixture tasks, n seeds each, concurrency 2; it prints the load average.
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { ExecMemo } from '../src/gym/exec-memo.js';
import { createOracleModel } from '../src/gym/oracle.js';
import { checkJustified } from '../src/gym/oracle-check.js';
import { type RolloutRecord, readRecords, runRollouts } from '../src/gym/rollout.js';
import { factoryTasks, sampleTasks } from '../src/gym/test-utils.js';
import { bwrapAvailable } from '../src/sandbox/index.js';

const N = Number(process.env.BENCH_N ?? 3);
const tasks = [...sampleTasks(), ...factoryTasks()];
const sandbox = bwrapAvailable().ok ? 'bwrap' : 'none';
const base = await mkdtemp(join(tmpdir(), 'loopsmith-rollout-bench-'));
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

try {
  const runs: Record<string, RolloutRecord[]> = {};
  const rate: Record<string, number> = {};
  for (const path of ['today', 'reuse'] as const) {
    const memo = path === 'reuse' ? new ExecMemo() : undefined;
    const before = load();
    const t0 = performance.now();
    const s = await runRollouts(tasks, {
      outDir: join(base, path),
      n: N,
      concurrency: 2,
      seed: 1,
      makeModel: (gt, _k, seed) => createOracleModel(gt, { seed }),
      episode: { sandbox, ...(memo ? { execMemo: memo } : {}) },
    });
    const min = (performance.now() - t0) / 60_000;
    rate[path] = s.rollouts / min;
    const recs = await readRecords(join(base, path));
    runs[path] = recs;
    const t = (k: 'bashMs' | 'gradeMs' | 'totalMs' | 'harnessMs' | 'materializeMs' | 'modelMs') =>
      mean(recs.map((r) => r.timings[k]));
    const loop = t('totalMs') - t('bashMs') - t('gradeMs');
    console.log(
      `${path}: ${rate[path].toFixed(1)} rollouts/min (${s.rollouts} rollouts, ${tasks.length} tasks x ${N} seeds, ${sandbox}, concurrency 2), resolved ${s.resolved}/${s.rollouts}; load average ${before} -> ${load()}`,
    );
    console.log(
      `  per rollout: total ${t('totalMs').toFixed(0)} ms = agent test runs ${t('bashMs').toFixed(0)} + grading ${t('gradeMs').toFixed(0)} + loop ${loop.toFixed(0)} (harness ${t('harnessMs').toFixed(0)}, other tools, workspace ${t('materializeMs').toFixed(0)})${memo ? `; commands replayed ${memo.hits} of ${memo.hits + memo.misses}` : ''}`,
    );
  }
  console.log(`ratio reuse / today: ${(rate.reuse / rate.today).toFixed(2)}`);
  const same = runs.today.filter((r, i) => {
    const o = runs.reuse[i];
    return o && JSON.stringify(o.trajectory.messages) === JSON.stringify(r.trajectory.messages);
  }).length;
  console.log(`byte-identical trajectories between the paths: ${same}/${runs.today.length}`);

  // What the student reads: tokens of the whole trajectory and of its fixed opening.
  const recs = runs.today;
  const opening = (r: RolloutRecord) =>
    encode(
      JSON.stringify(r.trajectory.tools) +
        r.trajectory.messages
          .slice(0, 2)
          .map((m) => String(m.content))
          .join('\n'),
    ).length;
  const whole = (r: RolloutRecord) =>
    encode(
      JSON.stringify(r.trajectory.tools) +
        r.trajectory.messages
          .map(
            (m) =>
              `${m.content ?? ''}${m.role === 'assistant' ? JSON.stringify(m.tool_calls ?? []) : ''}`,
          )
          .join('\n'),
    ).length;
  const violations = recs.filter((r) => checkJustified(r.trajectory.messages).length > 0).length;
  const errors = recs.flatMap((r) =>
    r.trajectory.turns.flatMap((t) => t.tools.filter((x) => x.isError)),
  ).length;
  const calls = recs.flatMap((r) => r.trajectory.turns.flatMap((t) => t.tools)).length;
  console.log(
    `trajectories: mean ${mean(recs.map(whole)).toFixed(0)} o200k tokens (fixed opening ${mean(recs.map(opening)).toFixed(0)}), ${mean(recs.map((r) => r.turns)).toFixed(2)} turns, ${errors} of ${calls} tool calls failed visibly, ${violations} with a call not justified by earlier observations`,
  );
} finally {
  await rm(base, { recursive: true, force: true });
}

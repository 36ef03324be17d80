// Run-level figures from rollout records: resolve rate, unbiased pass@k, tokens, turns,
// exit statuses and where the time went. A pure function of the run's files.
import type { Grade, Verdict } from './grade.js';
import type { RolloutRecord } from './rollout.js';

export interface RunSummary {
  tasks: number;
  rollouts: number;
  resolved: number;
  resolved_rate: number;
  invalid: number;
  /** Runs a canary or integrity check showed tampering with the test machinery (never resolved). */
  tampered: number;
  /** Runs the diff audit flagged (resolved by tests or not). */
  suspicious: number;
  /** Runs per grade verdict (resolved, unresolved, invalid, tampered, suspicious). */
  verdicts: Record<string, number>;
  /** Runs in which each defence fired (canary, reporter_auth, ..., diff_audit). */
  defences_fired: Record<string, number>;
  /** k -> mean over tasks of the unbiased estimator 1 - C(n-c, k) / C(n, k). */
  pass_at_k: Record<string, number>;
  /** Mean prompt + completion tokens per rollout, and over resolved rollouts only. */
  tokens_per_task: number;
  tokens_per_resolved_task: number | null;
  turns_mean: number;
  exit_statuses: Record<string, number>;
  /** Mean milliseconds per rollout by phase, and each phase's share of the total. */
  timings_mean_ms: Record<string, number>;
  time_share: {
    harness: number;
    model: number;
    sandbox_tools: number;
    other_tools: number;
    tests: number;
    workspace: number;
  };
}

/** Unbiased pass@k for one task with n samples and c correct (Chen et al. 2021). */
export function passAtK(n: number, c: number, k: number): number {
  if (k > n) throw new Error(`pass@${k} needs at least ${k} samples, got ${n}`);
  if (n - c < k) return 1;
  let miss = 1;
  for (let i = n - c + 1; i <= n; i++) miss *= 1 - k / i;
  return 1 - miss;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

/** A grade's verdict; records written before verdicts existed are read from `resolved`/`invalid`. */
export function verdictOf(g: Grade): Verdict {
  if (g.verdict) return g.verdict;
  return g.resolved ? 'resolved' : g.invalid ? 'invalid' : 'unresolved';
}

/** Summarizes rollout records (any order). */
export function summarize(records: RolloutRecord[]): RunSummary {
  const byTask = new Map<string, RolloutRecord[]>();
  for (const r of records) byTask.set(r.taskId, [...(byTask.get(r.taskId) ?? []), r]);
  const minN = Math.min(...[...byTask.values()].map((g) => g.length));
  const ks = [1, 2, 4, 8, 16, 32, 64].filter((k) => k <= minN);
  if (Number.isFinite(minN) && !ks.includes(minN)) ks.push(minN);
  const pass_at_k: Record<string, number> = {};
  for (const k of ks)
    pass_at_k[k] = r4(
      mean(
        [...byTask.values()].map((g) =>
          passAtK(g.length, g.filter((r) => r.grade.resolved).length, k),
        ),
      ),
    );
  const resolved = records.filter((r) => r.grade.resolved);
  const verdicts: Record<string, number> = {};
  const defences_fired: Record<string, number> = {};
  for (const r of records) {
    const v = verdictOf(r.grade);
    verdicts[v] = (verdicts[v] ?? 0) + 1;
    const fired = new Set((r.grade.tampered ?? []).map((f) => f.defence));
    if ((r.grade.suspicious ?? []).length > 0) fired.add('diff_audit');
    for (const d of fired) defences_fired[d] = (defences_fired[d] ?? 0) + 1;
  }
  const exit_statuses: Record<string, number> = {};
  for (const r of records) exit_statuses[r.status] = (exit_statuses[r.status] ?? 0) + 1;
  const keys = [
    'materializeMs',
    'agentMs',
    'modelMs',
    'toolMs',
    'bashMs',
    'harnessMs',
    'gradeMs',
    'totalMs',
  ] as const;
  const timings_mean_ms = Object.fromEntries(
    keys.map((k) => [k, Math.round(mean(records.map((r) => r.timings[k])))]),
  );
  const total = mean(records.map((r) => r.timings.totalMs)) || 1;
  const share = (v: number) => r4(v / total);
  return {
    tasks: byTask.size,
    rollouts: records.length,
    resolved: resolved.length,
    resolved_rate: r4(records.length ? resolved.length / records.length : 0),
    invalid: records.filter((r) => r.grade.invalid).length,
    tampered: records.filter((r) => (r.grade.tampered ?? []).length > 0).length,
    suspicious: records.filter((r) => (r.grade.suspicious ?? []).length > 0).length,
    verdicts,
    defences_fired,
    pass_at_k,
    tokens_per_task: Math.round(mean(records.map((r) => r.usage.totalTokens))),
    tokens_per_resolved_task: resolved.length
      ? Math.round(mean(resolved.map((r) => r.usage.totalTokens)))
      : null,
    turns_mean: r4(mean(records.map((r) => r.turns))),
    exit_statuses,
    timings_mean_ms,
    time_share: {
      harness: share(timings_mean_ms.harnessMs),
      model: share(timings_mean_ms.modelMs),
      sandbox_tools: share(timings_mean_ms.bashMs),
      other_tools: share(timings_mean_ms.toolMs - timings_mean_ms.bashMs),
      tests: share(timings_mean_ms.gradeMs),
      workspace: share(timings_mean_ms.materializeMs),
    },
  };
}

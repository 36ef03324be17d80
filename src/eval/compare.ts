// Two eval runs paired on the tasks both ran: the resolved difference with McNemar's exact
// test (first rollout of each task) and a paired bootstrap interval (per-task resolved rate
// over all rollouts), the token ratio, and the tasks each one won. Pure over run records.
import type { RolloutRecord } from '../gym/rollout.js';
import type { EvalRun } from './run.js';
import { mcnemarExact, pairedBootstrap } from './stats.js';

export interface Comparison {
  a: string;
  b: string;
  /** Tasks both runs have at least one rollout of. */
  tasks: number;
  repos: number;
  resolved_a: number;
  resolved_b: number;
  /** Mean over common tasks of (rate A - rate B), with its 95% paired-bootstrap interval. */
  diff: number;
  diff_ci95: [number, number];
  /** McNemar exact two-sided p on the first rollouts; b = only A resolved, c = only B. */
  mcnemar: { b: number; c: number; p: number };
  /** Mean tokens per rollout of B over A on the common tasks (null when A used none). */
  token_ratio: number | null;
  tokens_a: number;
  tokens_b: number;
  won: string[];
  lost: string[];
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

function byTask(recs: RolloutRecord[]): Map<string, RolloutRecord[]> {
  const m = new Map<string, RolloutRecord[]>();
  for (const r of recs) m.set(r.taskId, [...(m.get(r.taskId) ?? []), r]);
  for (const g of m.values()) g.sort((x, y) => x.k - y.k);
  return m;
}

/** Compares run A with run B on their common tasks. */
export function compareRuns(A: EvalRun, B: EvalRun, seed = 0): Comparison {
  const ga = byTask(A.records);
  const gb = byTask(B.records);
  const common = [...ga.keys()].filter((id) => gb.has(id)).sort();
  const rate = (g: RolloutRecord[]) => mean(g.map((r) => (r.grade.resolved ? 1 : 0)));
  const ra = common.map((id) => rate(ga.get(id) ?? []));
  const rb = common.map((id) => rate(gb.get(id) ?? []));
  const first = (g: Map<string, RolloutRecord[]>, id: string) => !!g.get(id)?.[0].grade.resolved;
  const won = common.filter((id) => first(ga, id) && !first(gb, id));
  const lost = common.filter((id) => !first(ga, id) && first(gb, id));
  const boot = pairedBootstrap(ra, rb, { seed });
  const toks = (g: Map<string, RolloutRecord[]>) =>
    mean(common.flatMap((id) => (g.get(id) ?? []).map((r) => r.usage.totalTokens)));
  const ta = toks(ga);
  const tb = toks(gb);
  const repoOf = new Map(A.meta.map((m) => [m.id, m.repoId]));
  return {
    a: A.info.label,
    b: B.info.label,
    tasks: common.length,
    repos: new Set(common.map((id) => repoOf.get(id) ?? id)).size,
    resolved_a: common.filter((id) => first(ga, id)).length,
    resolved_b: common.filter((id) => first(gb, id)).length,
    diff: r4(boot.mean),
    diff_ci95: [r4(boot.lo), r4(boot.hi)],
    mcnemar: { b: won.length, c: lost.length, p: r4(mcnemarExact(won.length, lost.length)) },
    token_ratio: ta > 0 ? r4(tb / ta) : null,
    tokens_a: Math.round(ta),
    tokens_b: Math.round(tb),
    won,
    lost,
  };
}

/** The comparison in a few lines of text, each figure with its counts. */
export function comparisonText(c: Comparison): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}`;
  return [
    `A = ${c.a}`,
    `B = ${c.b}`,
    `common tasks: ${c.tasks} (${c.repos} repos)`,
    `resolved (first rollout): A ${c.resolved_a}/${c.tasks}, B ${c.resolved_b}/${c.tasks}`,
    `A - B: ${pct(c.diff)} points [95% paired bootstrap ${pct(c.diff_ci95[0])} to ${pct(c.diff_ci95[1])}] over ${c.tasks} tasks`,
    `McNemar exact: A only ${c.mcnemar.b}, B only ${c.mcnemar.c}, p = ${c.mcnemar.p}`,
    `tokens per task: A ${c.tokens_a}, B ${c.tokens_b}, B/A = ${c.token_ratio ?? 'n/a'}`,
    `won by A: ${c.won.length ? c.won.join(', ') : '-'}`,
    `lost by A: ${c.lost.length ? c.lost.join(', ') : '-'}`,
  ].join('\n');
}

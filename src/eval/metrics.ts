// Evaluation figures from a run's rollout records and its task metadata: resolved rate with
// a Wilson interval, unbiased pass@k, tokens (prompt / completion / cached) per task and per
// resolved task, turns, wall time, exit statuses, format errors, grades the defences flagged,
// and the same core figures broken down by stage, bug kind, difficulty and language. Pure.
import type { RolloutRecord } from '../gym/rollout.js';
import type { GymTask } from '../gym/workspace.js';
import { segments } from '../harness/trajectory.js';
import { passAtK, wilson } from './stats.js';

/** What the metrics need of a task beyond its rollout records (RUN_DIR/tasks.jsonl). */
export interface TaskMeta {
  id: string;
  repoId: string;
  stage: number;
  family: string;
  kinds: string[];
  difficulty: number;
  language: string;
  split: string;
  failToPass: string[];
  passToPass: string[];
}

export function taskMeta(gt: GymTask): TaskMeta {
  const t = gt.task;
  return {
    id: t.id,
    repoId: t.repoId,
    stage: t.stage,
    family: t.family,
    kinds: t.bugs.length ? [...new Set(t.bugs.map((b) => b.kind))].sort() : ['unknown'],
    difficulty: t.difficulty,
    language: gt.repo.language,
    split: t.split,
    failToPass: t.failToPass,
    passToPass: t.passToPass,
  };
}

/** The core figures of a set of rollouts, with the counts behind them. */
export interface Cell {
  tasks: number;
  repos: number;
  rollouts: number;
  resolved: number;
  resolved_rate: number;
  /** Wilson 95% interval over rollouts. */
  ci95: [number, number];
  tokens_per_task: number;
}

export interface EvalMetrics extends Cell {
  pass_at_k: Record<string, number>;
  /** Mean tokens per rollout. */
  tokens: { prompt: number; completion: number; cached: number; total: number };
  /** Mean total tokens over resolved rollouts (null when none resolved). */
  tokens_per_resolved_task: number | null;
  turns_mean: number;
  wall_s_mean: number;
  exit_statuses: Record<string, number>;
  /** Turns with a malformed tool call or no tool call at all, over all turns. */
  format_error_rate: number;
  /** Grades that could not be judged (empty run, timeout, exit without failure). */
  invalid: number;
  /** Grades the anti-gaming defences flagged (never resolved). */
  tampered: number;
  suspicious: number;
  /** Findings per defence that fired (canary, integrity, diff_audit ...), over rollouts. */
  defences: Record<string, number>;
  by: {
    stage: Record<string, Cell>;
    kind: Record<string, Cell>;
    difficulty: Record<string, Cell>;
    language: Record<string, Cell>;
  };
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

/**
 * Which defence flagged a grade, if any: `tampered` / `suspicious` findings (src/gym/grade.ts
 * records lists of them) or the `verdict`; a boolean or a reason string is read the same way.
 */
export function integrityFlag(grade: object): 'tampered' | 'suspicious' | null {
  const g = grade as Record<string, unknown>;
  const on = (v: unknown) => (Array.isArray(v) ? v.length > 0 : !!v);
  const said = (w: string) => g.verdict === w || g.invalid === w || g.status === w;
  if (on(g.tampered) || said('tampered')) return 'tampered';
  if (on(g.suspicious) || said('suspicious')) return 'suspicious';
  return null;
}

/** Difficulty bucket: thirds of [0, 1] (the factory's score), else the value itself. */
export function difficultyBucket(d: number): string {
  if (!(d >= 0 && d <= 1)) return String(d);
  return d < 1 / 3 ? 'easy (<0.33)' : d < 2 / 3 ? 'medium (0.33-0.67)' : 'hard (>=0.67)';
}

function cell(recs: RolloutRecord[], meta: Map<string, TaskMeta>): Cell {
  const ids = new Set(recs.map((r) => r.taskId));
  const repos = new Set([...ids].map((id) => meta.get(id)?.repoId ?? id));
  const resolved = recs.filter((r) => r.grade.resolved).length;
  const [lo, hi] = wilson(resolved, recs.length);
  return {
    tasks: ids.size,
    repos: repos.size,
    rollouts: recs.length,
    resolved,
    resolved_rate: r4(recs.length ? resolved / recs.length : 0),
    ci95: [r4(lo), r4(hi)],
    tokens_per_task: Math.round(mean(recs.map((r) => r.usage.totalTokens))),
  };
}

function groupBy(
  recs: RolloutRecord[],
  meta: Map<string, TaskMeta>,
  keys: (m: TaskMeta | undefined) => string[],
): Record<string, Cell> {
  const groups = new Map<string, RolloutRecord[]>();
  for (const r of recs)
    for (const k of keys(meta.get(r.taskId))) groups.set(k, [...(groups.get(k) ?? []), r]);
  return Object.fromEntries(
    [...groups.keys()].sort().map((k) => [k, cell(groups.get(k) ?? [], meta)]),
  );
}

function formatErrorTurns(r: RolloutRecord): number {
  // Each turn indexes into its own segment's messages (compactions rewrite the history).
  return segments(r.trajectory).reduce(
    (n, seg) =>
      n +
      seg.turns.filter((t) => {
        const m = seg.messages[t.messageIndex];
        const calls = m && m.role === 'assistant' ? (m.tool_calls?.length ?? 0) : 0;
        return calls === 0 || t.tools.some((x) => x.formatError);
      }).length,
    0,
  );
}

function defenceCounts(records: RolloutRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) {
    const g = r.grade as unknown as Record<string, unknown>;
    const fired = new Set<string>();
    for (const f of Array.isArray(g.tampered) ? g.tampered : [])
      fired.add(String((f as { defence?: unknown }).defence ?? 'tampered'));
    if (Array.isArray(g.suspicious) && g.suspicious.length > 0) fired.add('diff_audit');
    for (const d of fired) out[d] = (out[d] ?? 0) + 1;
  }
  return out;
}

/** Metrics of a run; `meta` describes its tasks (records of unknown tasks count under "?"). */
export function computeMetrics(records: RolloutRecord[], metaList: TaskMeta[]): EvalMetrics {
  const meta = new Map(metaList.map((m) => [m.id, m]));
  const byTask = new Map<string, RolloutRecord[]>();
  for (const r of records) byTask.set(r.taskId, [...(byTask.get(r.taskId) ?? []), r]);
  const minN = Math.min(...[...byTask.values()].map((g) => g.length));
  const pass_at_k: Record<string, number> = {};
  if (Number.isFinite(minN))
    for (const k of [1, 2, 4, 8, 16, 32, 64, minN].filter((k) => k <= minN))
      pass_at_k[k] = r4(
        mean(
          [...byTask.values()].map((g) =>
            passAtK(g.length, g.filter((r) => r.grade.resolved).length, k),
          ),
        ),
      );
  const resolved = records.filter((r) => r.grade.resolved);
  const exit_statuses: Record<string, number> = {};
  for (const r of records) exit_statuses[r.status] = (exit_statuses[r.status] ?? 0) + 1;
  const turns = records.reduce((s, r) => s + r.trajectory.turns.length, 0);
  const flags = records.map((r) => integrityFlag(r.grade));
  return {
    ...cell(records, meta),
    pass_at_k,
    tokens: {
      prompt: Math.round(mean(records.map((r) => r.usage.promptTokens))),
      completion: Math.round(mean(records.map((r) => r.usage.completionTokens))),
      cached: Math.round(mean(records.map((r) => r.usage.cachedTokens ?? 0))),
      total: Math.round(mean(records.map((r) => r.usage.totalTokens))),
    },
    tokens_per_resolved_task: resolved.length
      ? Math.round(mean(resolved.map((r) => r.usage.totalTokens)))
      : null,
    turns_mean: r4(mean(records.map((r) => r.turns))),
    wall_s_mean: r4(mean(records.map((r) => r.timings.totalMs)) / 1000),
    exit_statuses,
    format_error_rate: r4(turns ? records.reduce((s, r) => s + formatErrorTurns(r), 0) / turns : 0),
    invalid: records.filter((r) => r.grade.invalid).length,
    tampered: flags.filter((f) => f === 'tampered').length,
    suspicious: flags.filter((f) => f === 'suspicious').length,
    defences: defenceCounts(records),
    by: {
      stage: groupBy(records, meta, (m) => [m ? `stage ${m.stage}` : '?']),
      kind: groupBy(records, meta, (m) => m?.kinds ?? ['?']),
      difficulty: groupBy(records, meta, (m) => [m ? difficultyBucket(m.difficulty) : '?']),
      language: groupBy(records, meta, (m) => [m?.language ?? '?']),
    },
  };
}

/** "3/10 resolved = 30.0% [10.8-60.3] (10 tasks, 4 repos)": every figure with its counts. */
export function cellLine(c: Cell): string {
  const pct = (x: number) => (100 * x).toFixed(1);
  return `${c.resolved}/${c.rollouts} resolved = ${pct(c.resolved_rate)}% [95% CI ${pct(c.ci95[0])}-${pct(c.ci95[1])}] (${c.tasks} tasks, ${c.repos} repos), ${c.tokens_per_task} tokens/task`;
}

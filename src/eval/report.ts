// The report card: a pure function of run outputs. Inputs are directories: a training
// stage's output (metrics.jsonl + manifest.json), an eval run (eval.json), or a folder
// holding either (a pipeline's output; searched two levels deep). Output: a markdown table
// (rows = metrics, columns = stages or models) or one self-contained HTML file with charts.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { type Comparison, compareRuns } from './compare.js';
import { cellLine, computeMetrics, type EvalMetrics } from './metrics.js';
import { renderHtml } from './report-html.js';
import { EvalInputError, type EvalRun, readEvalRun } from './run.js';

/** One metrics.jsonl line (src/train/stage.ts writes these). */
export interface StageLine {
  stage?: string;
  step: number;
  tokens: number;
  train_loss: number;
  heldout_loss?: number;
  lr?: number;
  tokens_per_s?: number;
  elapsed_s?: number;
}

export interface StageData {
  name: string;
  dir: string;
  lines: StageLine[];
  complete: boolean | null;
}

export interface EvalData {
  label: string;
  dir: string;
  model: string;
  suite: string;
  metrics: EvalMetrics;
  /** Total tokens of every rollout (histograms). */
  tokens: number[];
}

export interface ReportData {
  stages: StageData[];
  evals: EvalData[];
  /** Every eval after the first, paired against the first (the ablation's baseline). */
  ablation: Comparison[];
}

const STAGE_ORDER = ['induction', 'pretrain', 'midtrain', 'sft', 'mid2', 'mid2-1', 'mid2-2', 'rl'];

async function readStage(dir: string): Promise<StageData> {
  const text = await readFile(join(dir, 'metrics.jsonl'), 'utf8');
  const lines: StageLine[] = [];
  text.split('\n').forEach((l, i) => {
    if (!l.trim()) return;
    let o: StageLine;
    try {
      o = JSON.parse(l);
    } catch {
      throw new EvalInputError(`${join(dir, 'metrics.jsonl')}:${i + 1}: not JSON`);
    }
    if (typeof o.step !== 'number' || typeof o.train_loss !== 'number')
      throw new EvalInputError(
        `${join(dir, 'metrics.jsonl')}:${i + 1}: needs numeric step and train_loss`,
      );
    lines.push(o);
  });
  let stage = lines[0]?.stage;
  let complete: boolean | null = null;
  if (existsSync(join(dir, 'manifest.json'))) {
    const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    if (typeof m.stage === 'string') stage = m.stage;
    if (typeof m.complete === 'boolean') complete = m.complete;
  }
  // Two mid2 stages (or reruns) share a stage name; the directory tells them apart.
  const base = basename(dir);
  const name = stage && stage !== base ? `${stage} (${base})` : base;
  return { name, dir, lines, complete };
}

/** Eval runs and stage outputs under the given directories, in a stable order. */
export function discover(inputs: string[]): { stages: string[]; evals: string[] } {
  const stages: string[] = [];
  const evals: string[] = [];
  const visit = (dir: string, depth: number): boolean => {
    if (existsSync(join(dir, 'eval.json'))) return evals.push(dir) > 0;
    if (existsSync(join(dir, 'metrics.jsonl'))) return stages.push(dir) > 0;
    if (depth === 0) return false;
    let found = false;
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory() && visit(p, depth - 1)) found = true;
    }
    return found;
  };
  for (const input of inputs) {
    const dir = resolve(input);
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new EvalInputError(`${input}: no such directory`);
    if (!visit(dir, 2))
      throw new EvalInputError(
        `${input}: no eval run (eval.json) or training stage (metrics.jsonl) in it`,
      );
  }
  const rank = (d: string) => {
    const i = STAGE_ORDER.findIndex((s) => basename(d).startsWith(s));
    return i < 0 ? STAGE_ORDER.length : i;
  };
  stages.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return { stages, evals };
}

/** Reads everything the report shows. */
export async function collectReport(inputs: string[]): Promise<ReportData> {
  const found = discover(inputs);
  const stages = await Promise.all(found.stages.map(readStage));
  const runs: EvalRun[] = await Promise.all(found.evals.map(readEvalRun));
  const evals = runs.map((r) => ({
    label: r.info.label,
    dir: r.dir,
    model: r.info.model,
    suite: `${r.info.suite.kind} ${basename(String(r.info.suite.path))} (${r.info.suiteHash})`,
    metrics: computeMetrics(r.records, r.meta),
    tokens: r.records.map((x) => x.usage.totalTokens),
  }));
  const ablation = runs.slice(1).map((r) => compareRuns(runs[0], r));
  return { stages, evals, ablation };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const num = (x: number | null | undefined, d = 3) =>
  x === null || x === undefined || !Number.isFinite(x) ? '-' : Number(x.toFixed(d)).toString();

/** Rows = metrics, columns = stages: the training side. */
export function stageRows(stages: StageData[]): { head: string[]; rows: string[][] } {
  const last = (s: StageData) => s.lines[s.lines.length - 1];
  const lastHeld = (s: StageData) =>
    [...s.lines].reverse().find((l) => l.heldout_loss !== undefined)?.heldout_loss;
  const metric = (name: string, f: (s: StageData) => string) => [name, ...stages.map(f)];
  return {
    head: ['metric', ...stages.map((s) => s.name)],
    rows: [
      metric('steps', (s) => String(last(s)?.step ?? '-')),
      metric('tokens', (s) => String(last(s)?.tokens ?? '-')),
      metric('train loss (first -> last)', (s) =>
        s.lines.length ? `${num(s.lines[0].train_loss)} -> ${num(last(s).train_loss)}` : '-',
      ),
      metric('held-out loss (last)', (s) => num(lastHeld(s))),
      metric('tokens/s (mean)', (s) =>
        num(
          s.lines.reduce((a, l) => a + (l.tokens_per_s ?? 0), 0) / Math.max(1, s.lines.length),
          0,
        ),
      ),
      metric('wall time s', (s) => num(last(s)?.elapsed_s, 1)),
      metric('complete', (s) => (s.complete === null ? '-' : s.complete ? 'yes' : 'no')),
    ],
  };
}

/** Rows = metrics, columns = models / eval runs: the evaluation side. */
export function evalRows(evals: EvalData[]): { head: string[]; rows: string[][] } {
  const m = (name: string, f: (e: EvalMetrics) => string) => [
    name,
    ...evals.map((e) => f(e.metrics)),
  ];
  const ks = [...new Set(evals.flatMap((e) => Object.keys(e.metrics.pass_at_k)))].sort(
    (a, b) => Number(a) - Number(b),
  );
  return {
    head: ['metric', ...evals.map((e) => e.label)],
    rows: [
      m('tasks / repos / rollouts', (x) => `${x.tasks} / ${x.repos} / ${x.rollouts}`),
      m('resolved', (x) => `${x.resolved}/${x.rollouts} = ${pct(x.resolved_rate)}`),
      m('95% CI (Wilson)', (x) => `${pct(x.ci95[0])} - ${pct(x.ci95[1])}`),
      ...ks.map((k) => m(`pass@${k}`, (x) => (k in x.pass_at_k ? pct(x.pass_at_k[k]) : '-'))),
      m('tokens/task (total)', (x) => String(x.tokens.total)),
      m(
        'prompt / completion / cached',
        (x) => `${x.tokens.prompt} / ${x.tokens.completion} / ${x.tokens.cached}`,
      ),
      m('tokens/resolved task', (x) => String(x.tokens_per_resolved_task ?? '-')),
      m('turns (mean)', (x) => num(x.turns_mean, 2)),
      m('wall s/task', (x) => num(x.wall_s_mean, 2)),
      m('format-error rate', (x) => pct(x.format_error_rate)),
      m('exit statuses', (x) =>
        Object.entries(x.exit_statuses)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
      ),
      m('invalid / tampered / suspicious', (x) => `${x.invalid} / ${x.tampered} / ${x.suspicious}`),
      m(
        'defences fired',
        (x) =>
          Object.entries(x.defences ?? {})
            .map(([k, v]) => `${k} ${v}`)
            .join(', ') || '-',
      ),
    ],
  };
}

/** Rows = ablation arms, paired against the first eval run. */
export function ablationRows(ab: Comparison[]): { head: string[]; rows: string[][] } {
  return {
    head: [
      'A (baseline) vs B',
      'common tasks (repos)',
      'resolved A / B',
      'A - B [95% CI]',
      'McNemar p (A only / B only)',
      'tokens B/A',
    ],
    rows: ab.map((c) => [
      `${c.a} vs ${c.b}`,
      `${c.tasks} (${c.repos})`,
      `${c.resolved_a} / ${c.resolved_b}`,
      `${(100 * c.diff).toFixed(1)} pts [${(100 * c.diff_ci95[0]).toFixed(1)}, ${(100 * c.diff_ci95[1]).toFixed(1)}]`,
      `${c.mcnemar.p} (${c.mcnemar.b} / ${c.mcnemar.c})`,
      String(c.token_ratio ?? '-'),
    ]),
  };
}

const cellMd = (s: string) => s.replace(/\|/g, '\\|');
export function mdTable(t: { head: string[]; rows: string[][] }): string {
  return [
    `| ${t.head.map(cellMd).join(' | ')} |`,
    `|${t.head.map(() => '---').join('|')}|`,
    ...t.rows.map((r) => `| ${r.map(cellMd).join(' | ')} |`),
  ].join('\n');
}

/** The report card in markdown. */
export function renderMarkdown(d: ReportData): string {
  const out = ['# loopsmith report card', ''];
  if (d.stages.length) out.push('## Training stages', '', mdTable(stageRows(d.stages)), '');
  if (d.evals.length) {
    out.push('## Evaluation', '', mdTable(evalRows(d.evals)), '');
    for (const e of d.evals) {
      out.push(`### ${e.label}`, '', `suite ${e.suite}, model \`${e.model}\``, '');
      for (const [dim, cells] of Object.entries(e.metrics.by))
        for (const [k, c] of Object.entries(cells)) out.push(`- ${dim} ${k}: ${cellLine(c)}`);
      out.push('');
    }
  }
  if (d.ablation.length)
    out.push('## Ablation (paired on common tasks)', '', mdTable(ablationRows(d.ablation)), '');
  return `${out.join('\n')}\n`;
}

/** Writes the report for `inputs` to `outPath` (.md or .html); what `loopsmith pipeline` calls at its end. */
export async function writeReport(inputs: string[], outPath: string): Promise<ReportData> {
  const html = /\.html?$/i.test(outPath);
  if (!html && !/\.md$/i.test(outPath))
    throw new EvalInputError(`--out ${outPath}: must end in .md or .html`);
  const data = await collectReport(inputs);
  await writeFile(outPath, html ? renderHtml(data) : renderMarkdown(data));
  return data;
}

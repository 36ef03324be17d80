// `loopsmith pipeline`: the whole recipe in order, each step skipped when its output is
// complete (rerun the same command to resume after a kill):
//
//   tasks (train s1/s2, eval s1/s2 from disjoint seed ranges) -> teacher rollouts (oracle,
//   real harness + sandbox) -> tokenizer -> init -> induction -> pretrain -> midtrain -> sft -> mid2.1 ->
//   mid2.2 -> rl -> held-out evaluation of every stage's checkpoint in the real harness ->
//   summary table (summary.md / summary.json) and the report card (report.html).
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeReport } from '../eval/report.js';
import { evaluate } from '../eval/run.js';
import { type LoadedSuite, loadSuite } from '../eval/suite.js';
import { createOracleModel } from '../gym/oracle.js';
import { runRollouts } from '../gym/rollout.js';
import { loadGymTasks } from '../gym/tasks-source.js';
import { deriveConfig } from '../lm/config.js';
import { initModel, saveCheckpoint } from '../lm/model.js';
import { trainTokenizer } from '../lm/tokenizer.js';
import { createModel } from '../providers/spec.js';
import { generateInto } from '../tasks/index.js';
import { DEFAULT_SPEC } from '../tasks/pipeline.js';
import { TaskStore } from '../tasks/store.js';
import { ablationMarkdown, runAblations } from './ablation.js';
import { evalRepos } from './conv-data.js';
import { buildCorpus, CORPUS_DEFAULTS } from './corpus.js';
import { type CurvePoint, runCurve } from './curve.js';
import { runDagger } from './dagger.js';
import { runInduction } from './induction.js';
import { runMid2 } from './mid2.js';
import { runMidtrain } from './midtrain.js';
import { PRESETS, type Preset, stageSteps } from './presets.js';
import { runPretrain } from './pretrain.js';
import { probeCached } from './probe.js';
import { atomicWrite } from './progress.js';
import { runRl } from './rl.js';
import { runSft } from './sft.js';
import { StageInputError, type StageResult } from './stage.js';

export interface PipelineOptions {
  preset: Preset;
  out: string;
  /** @default 'bwrap' */
  sandbox: 'bwrap' | 'none';
  /** Rollouts at once. @default 2 */
  concurrency: number;
  /** Skip the RL stage. @default false */
  noRl: boolean;
  /** Ablations to run: 'format' (mid2 data as harness trajectories vs issue -> diff), 'curriculum' (stage 1 then 2 vs shuffled). @default [] */
  ablations?: ('format' | 'curriculum')[];
  log: (line: string) => void;
}

/** One row of the summary table. */
export interface SummaryRow {
  stage: string;
  tokens_trained: number | null;
  wall_s: number | null;
  heldout_loss: number | null;
  format_error_rate: number | null;
  s1: { resolved: number; tasks: number; repos: number; ci95: [number, number] } | null;
  s2: { resolved: number; tasks: number; repos: number; ci95: [number, number] } | null;
  tokens_per_task: number | null;
  /** Held-out teacher turns the checkpoint reproduced exactly (src/train/probe.ts). */
  probe: { turns: number; exact: number; episodes: number; imitated: number } | null;
}

const seeds = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

/** Fills a task store (resumable); eval stores put every repository in the eval split. */
async function tasks(
  path: string,
  stage: 1 | 2,
  count: number,
  seed: number,
  evalFraction: number,
  maxPerKind: number,
  log: PipelineOptions['log'],
) {
  const store = new TaskStore(path);
  try {
    const p = await generateInto(store, {
      ...DEFAULT_SPEC,
      source: 'synth',
      count,
      seed,
      stage,
      evalFraction,
      maxPerKind,
    });
    log(`tasks ${path}: ${p.tasks} tasks`);
  } finally {
    store.close();
  }
}

/** Runs the recipe; returns the summary rows (also written to OUT/summary.{json,md}). */
export async function runPipeline(o: PipelineOptions): Promise<SummaryRow[]> {
  const P = o.preset;
  const out = o.out;
  const log = o.log;
  mkdirSync(out, { recursive: true });
  const t = (name: string) => join(out, name);
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, fn: () => Promise<T> | T): Promise<T> => {
    const t0 = performance.now();
    log(`\n== ${name} ==`);
    const r = await fn();
    timings[name] = Math.round((performance.now() - t0) / 100) / 10;
    return r;
  };

  // 1. Tasks. Train repos from seed S, eval repos from a far range with evalFraction 1.
  const tt = P.trainTasks;
  const et = P.evalTasks;
  await timed('tasks', async () => {
    await tasks(t('tasks-s1.db'), 1, tt.s1, tt.seed, 0, tt.maxPerKind, log);
    await tasks(t('tasks-s2.db'), 2, tt.s2, tt.seed + 50_000, 0, tt.maxPerKind, log);
    // About 10 tasks per repository at one candidate per kind: enough repos for `repos`.
    await tasks(t('eval-s1.db'), 1, et.repos * 8, et.seed, 1, 1, log);
    await tasks(t('eval-s2.db'), 2, et.s2Repos * 10, et.seed + 50_000, 1, 1, log);
    // RL picks its best checkpoint on its own held-out repos, not on the suites reported here.
    await tasks(t('rl-heldout.db'), 1, P.quickEvalRepos * 8, et.seed + 100_000, 1, 1, log);
    if (P.probeTasks > 0)
      await tasks(t('probe.db'), 1, P.probeTasks * 8, et.seed + 200_000, 1, 1, log);
  });
  const excl = [
    ...evalRepos(t('eval-s1.db')),
    ...evalRepos(t('eval-s2.db')),
    ...evalRepos(t('rl-heldout.db')),
    ...(P.probeTasks > 0 ? evalRepos(t('probe.db')) : []),
  ];

  // 2. The teacher through the real harness (train split only).
  await timed('teacher', async () => {
    for (const s of [1, 2] as const) {
      const gts = await loadGymTasks(t(`tasks-s${s}.db`), { split: 'train' });
      const sum = await runRollouts(gts, {
        outDir: t(`teacher-s${s}`),
        n: P.teacherN,
        concurrency: o.concurrency,
        makeModel: (gt, _k, seed) => createOracleModel(gt, { seed }),
        episode: { sandbox: o.sandbox, hidePaths: [out] },
        config: { model: 'oracle' },
      });
      log(`teacher s${s}: ${sum.resolved}/${sum.rollouts} resolved`);
    }
    if (P.probeTasks > 0) {
      // Teacher episodes on held-out repositories, never trained on: the probe replays them.
      const seen = new Set<string>();
      const gts = (await loadGymTasks(t('probe.db'), { split: 'eval' }))
        .filter((g) => !seen.has(g.task.repoId) && seen.add(g.task.repoId))
        .slice(0, P.probeTasks);
      const sum = await runRollouts(gts, {
        outDir: t('teacher-probe'),
        concurrency: o.concurrency,
        makeModel: (gt, _k, seed) => createOracleModel(gt, { seed }),
        episode: { sandbox: o.sandbox, hidePaths: [out] },
        config: { model: 'oracle' },
      });
      log(`teacher probe: ${sum.resolved}/${sum.rollouts} resolved (held-out, for the probe only)`);
    }
  });
  const probeRuns = P.probeTasks > 0 ? [t('teacher-probe')] : [];
  const probeOf = async (stage: string, ckpt: string) =>
    probeRuns.length === 0
      ? null
      : probeCached(ckpt, probeRuns, P.probeTasks, t(`eval/${stage}-probe.json`));

  // 3. Tokenizer and the initial checkpoint.
  const corpusSpec = {
    synthSeeds: seeds(100_000, P.corpusSeeds),
    localRoots: P.localMb > 0 ? [localRoot()] : [],
    localMaxBytes: P.localMb * 1024 * 1024,
    excludeRepos: excl,
  };
  await timed('init', () => {
    if (existsSync(join(t('init'), 'config.json'))) return;
    const corpus = buildCorpus({ ...CORPUS_DEFAULTS, ...corpusSpec });
    const texts = corpus.train.map((d) => d.text);
    for (const s of [1, 2]) for (const line of teacherTexts(t(`teacher-s${s}`))) texts.push(line);
    const tok = trainTokenizer(texts, P.vocab);
    const m = initModel(
      deriveConfig(P.depth, { vocabSize: tok.vocabSize, maxSeqLen: P.maxSeq }),
      1,
      tok,
    );
    saveCheckpoint(t('init'), m);
    log(`init: depth ${P.depth}, vocab ${tok.vocabSize}, context ${P.maxSeq}`);
  });

  // 4. The stages, each from the previous one's checkpoint.
  const results: Record<string, StageResult> = {};
  const st = stageSteps;
  results.induction = await timed('induction', () =>
    runInduction(
      {
        from: t('init'),
        out: t('induction'),
        ...st(P.induction),
        textbookSteps: P.induction.textbookSteps ?? 0,
      },
      log,
    ),
  );
  results.pretrain = await timed('pretrain', () =>
    runPretrain(
      {
        from: t('induction'),
        out: t('pretrain'),
        ...st(P.pretrain),
        copyFraction: P.pretrain.copyFraction,
        corpus: corpusSpec,
      },
      log,
    ),
  );
  results.midtrain = await timed('midtrain', () =>
    runMidtrain(
      {
        from: t('pretrain'),
        out: t('midtrain'),
        ...st(P.midtrain),
        drillFraction: P.drillFraction,
        codeFraction: P.midtrain.codeFraction,
        runs: [t('teacher-s1')],
        tasks: t('tasks-s1.db'),
        corpus: { ...corpusSpec, synthSeeds: corpusSpec.synthSeeds.slice(0, 50), localRoots: [] },
      },
      log,
    ),
  );
  results.sft = await timed('sft', () =>
    runSft(
      {
        from: t('midtrain'),
        out: t('sft'),
        ...st(P.sft),
        drillFraction: P.drillFraction,
        drills: {
          seeds: seeds(200_000, P.drillRepos),
          perRepo: P.drillsPerRepo,
          sandbox: o.sandbox,
          excludeRepos: excl,
        },
      },
      log,
    ),
  );
  results['mid2.1'] = await timed('mid2.1', () =>
    runMid2(
      {
        from: t('sft'),
        out: t('mid2-1'),
        ...st(P.mid2.s1),
        drillFraction: P.drillFraction,
        snapshotEvery:
          P.curvePoints > 0 ? Math.max(1, Math.floor(P.mid2.s1.steps / P.curvePoints)) : 0,
        phase: 1,
        runs: [t('teacher-s1')],
        tasks: t('tasks-s1.db'),
        excludeRepos: excl,
      },
      log,
    ),
  );
  let last = t('mid2-1');
  if (P.dagger.tasks > 0) {
    // The student (mid2.1) acts in the harness; the expert labels every state it reaches.
    await timed('dagger', async () => {
      const gts = (await loadGymTasks(t('tasks-s1.db'), { split: 'train' })).slice(
        0,
        P.dagger.tasks,
      );
      const recs = await runDagger(gts, {
        outDir: t('dagger-1'),
        student: (_gt, seed) => createModel(`local:${t('mid2-1')}/ckpt`, { temperature: 0, seed }),
        beta: P.dagger.beta,
        maxTurns: P.dagger.maxTurns,
        sandbox: o.sandbox,
        concurrency: o.concurrency,
        hidePaths: [out],
      });
      log(
        `dagger: ${recs.length} episodes, ${recs.reduce((a, r) => a + Object.keys(r.labels).length, 0)} labelled states, student resolved ${recs.filter((r) => r.grade.resolved).length}`,
      );
    });
    results['mid2.1+dagger'] = await timed('mid2.1+dagger', () =>
      runMid2(
        {
          from: t('mid2-1'),
          out: t('mid2-1d'),
          ...st(P.dagger),
          drillFraction: P.drillFraction,
          phase: 1,
          runs: [t('teacher-s1')],
          dagger: [t('dagger-1')],
          tasks: t('tasks-s1.db'),
          excludeRepos: excl,
        },
        log,
      ),
    );
    last = t('mid2-1d');
  }
  results['mid2.2'] = await timed('mid2.2', () =>
    runMid2(
      {
        from: last,
        out: t('mid2-2'),
        ...st(P.mid2.s2),
        drillFraction: P.drillFraction,
        phase: 2,
        runs: [t('teacher-s2')],
        tasks: t('tasks-s2.db'),
        excludeRepos: excl,
      },
      log,
    ),
  );

  // RL inside the unchanged harness, from the last supervised checkpoint, on stage-1 tasks.
  if (!o.noRl && P.rl.steps > 0)
    results.rl = await timed('rl', () =>
      runRl(
        {
          from: t('mid2-2'),
          tasks: t('tasks-s1.db'),
          heldout: t('rl-heldout.db'),
          out: t('rl'),
          steps: P.rl.steps,
          group: P.rl.group,
          tasksPerStep: P.rl.tasksPerStep,
          ...(P.rl.teacherStart ? { teacherStart: t('teacher-s1') } : {}),
          maxTurns: P.evalMaxTurns,
          evalTasks: P.quickEvalRepos,
          evalEvery: Math.max(1, P.rl.steps),
          sandbox: o.sandbox,
          concurrency: o.concurrency,
        },
        { log },
      ),
    );

  // 5. Held-out evaluation of every checkpoint in the real harness (greedy).
  const suites = {
    s1: await loadSuite({
      path: t('eval-s1.db'),
      split: 'eval',
      perRepo: et.perRepo,
      limit: et.repos * et.perRepo,
    }),
    s2: await loadSuite({ path: t('eval-s2.db'), split: 'eval', perRepo: 1, limit: et.s2Repos }),
  };
  // The first quickEvalRepos tasks (one repository each): a cheaper suite for early stages.
  const quick = (s: LoadedSuite): LoadedSuite => ({
    ...s,
    tasks: s.tasks.slice(0, P.quickEvalRepos),
    hash: `${s.hash}:q${P.quickEvalRepos}`,
  });
  const evalOf = async (stage: string, ckpt: string, which: 's1' | 's2', suite: LoadedSuite) =>
    timed(`eval ${stage} ${which}`, async () => {
      const spec = `local:${ckpt}`;
      const r = await evaluate(suite, {
        outDir: t(`eval/${stage}-${which}`),
        model: spec,
        label: `${stage} (${which})`,
        concurrency: o.concurrency,
        makeModel: (_gt, _k, seed) => createModel(spec, { temperature: 0, seed }),
        episode: { sandbox: o.sandbox, agent: { maxTurns: P.evalMaxTurns }, hidePaths: [out] },
      });
      log(
        `eval ${stage} ${which}: ${r.metrics.resolved}/${r.metrics.rollouts} resolved (${r.metrics.tasks} tasks, ${r.metrics.repos} repos)`,
      );
      return r.metrics;
    });
  let curve: CurvePoint[] = [];
  if (P.curvePoints > 0 && existsSync(join(t('mid2-1'), 'snapshots')))
    curve = await timed('curve', () =>
      runCurve({
        stageDir: t('mid2-1'),
        suite: quick(suites.s1),
        maxTurns: P.evalMaxTurns,
        sandbox: o.sandbox,
        concurrency: o.concurrency,
        hidePaths: [out],
        probeRuns,
        probeLimit: P.probeTasks,
        log,
      }),
    );
  const ablation = await runAblations(o, P, t, excl, suites, evalOf, timed);
  const rows: SummaryRow[] = [];
  for (const [stage, res] of Object.entries(results)) {
    const m = res.metrics;
    const full = stage.startsWith('mid2') || stage === 'rl';
    const q1 = full ? suites.s1 : quick(suites.s1);
    const e1 =
      stage === 'pretrain' || stage === 'induction'
        ? null
        : await evalOf(stage, res.checkpoint, 's1', q1);
    const e2 = full ? await evalOf(stage, res.checkpoint, 's2', suites.s2) : null;
    const probe = await timed(`probe ${stage}`, () => probeOf(stage, res.checkpoint));
    const cell = (e: typeof e1) =>
      e ? { resolved: e.resolved, tasks: e.tasks, repos: e.repos, ci95: e.ci95 } : null;
    rows.push({
      stage,
      tokens_trained: num(m.tokens),
      wall_s: num(m.wall_s) ?? timings[stage] ?? null,
      heldout_loss: num(m.heldout_loss),
      format_error_rate: e1 ? e1.format_error_rate : null,
      s1: cell(e1),
      s2: cell(e2),
      tokens_per_task: e1 ? e1.tokens_per_task : null,
      probe,
    });
  }
  atomicWrite(
    t('summary.json'),
    JSON.stringify({ preset: P.name, rows, timings, curve, ablation }, null, 1),
  );
  atomicWrite(
    t('summary.md'),
    summaryMarkdown(P.name, rows, timings, curve) + ablationMarkdown(ablation),
  );
  // The report card: a pure function of the stage outputs and eval runs written above.
  const inputs = [
    ...['induction', 'pretrain', 'midtrain', 'sft', 'mid2-1', 'mid2-1d', 'mid2-2']
      .filter((d) => existsSync(t(d)))
      .map(t),
    t('eval'),
  ];
  await writeReport(inputs, t('report.md'));
  await writeReport(inputs, t('report.html'));
  return rows;
}

const num = (x: unknown) => (typeof x === 'number' ? x : null);

/** The summary table (rows = stages), as markdown. */
export function summaryMarkdown(
  preset: string,
  rows: SummaryRow[],
  timings: Record<string, number>,
  curve: CurvePoint[] = [],
): string {
  const pct = (c: SummaryRow['s1']) =>
    c
      ? `${((100 * c.resolved) / Math.max(1, c.tasks)).toFixed(1)}% (${c.resolved}/${c.tasks}, ${c.repos} repos, 95% CI ${(100 * c.ci95[0]).toFixed(0)}-${(100 * c.ci95[1]).toFixed(0)}%)`
      : '-';
  const match = (p: SummaryRow['probe'] | undefined) =>
    p
      ? `${((100 * p.exact) / Math.max(1, p.turns)).toFixed(0)}% (${p.imitated}/${p.episodes} whole)`
      : '-';
  const head =
    '| stage | tokens trained | wall s | held-out loss | turn match | format errors | held-out stage-1 resolved | held-out stage-2 resolved | tokens/task |';
  const lines = [
    `# loopsmith pipeline (preset ${preset})`,
    '',
    head,
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.stage} | ${r.tokens_trained ?? '-'} | ${r.wall_s ?? '-'} | ${r.heldout_loss ?? '-'} | ${match(r.probe)} | ${r.format_error_rate === null ? '-' : `${(100 * r.format_error_rate).toFixed(1)}%`} | ${pct(r.s1)} | ${pct(r.s2)} | ${r.tokens_per_task === null ? '-' : Math.round(r.tokens_per_task)} |`,
    ),
    '',
    `Step times (s): ${Object.entries(timings)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    '',
  ];
  if (curve.length > 0)
    lines.push(
      '## Learning curve (mid2 phase 1 snapshots, quick held-out stage-1 suite, greedy)',
      '',
      '| step | tokens trained | turn match | resolved | format errors | tokens/task |',
      '|---|---|---|---|---|---|',
      ...curve.map(
        (c) =>
          `| ${c.step} | ${c.tokens} | ${match(c.probe)} | ${pct(c)} | ${(100 * c.format_error_rate).toFixed(1)}% | ${Math.round(c.tokens_per_task)} |`,
      ),
      '',
    );
  return lines.join('\n');
}

/** Teacher transcripts as text (for the tokenizer: the bytes it will have to encode). */
function teacherTexts(runDir: string): string[] {
  const root = join(runDir, 'rollouts');
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const sum = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as {
    rollouts: number;
  };
  if (sum.rollouts === 0) return out;
  for (const dir of sortedDir(root).slice(0, 200))
    for (const f of sortedDir(join(root, dir))) {
      const rec = JSON.parse(readFileSync(join(root, dir, f), 'utf8')) as {
        trajectory: { messages: { content: string | null; tool_calls?: unknown[] }[] };
      };
      for (const m of rec.trajectory.messages)
        out.push(`${m.content ?? ''}${m.tool_calls ? JSON.stringify(m.tool_calls) : ''}`);
    }
  return out;
}

const sortedDir = (p: string) => readdirSync(p).sort();

/** loopsmith's own node_modules: real JS/TS installed on every machine that runs it. */
function localRoot(): string {
  return fileURLToPath(new URL('../../../node_modules', import.meta.url));
}

/** The preset named `name`, or a clear error. */
export function presetOf(name: string): Preset {
  const p = PRESETS[name];
  if (!p)
    throw new StageInputError(
      `--preset ${name}: unknown (have ${Object.keys(PRESETS).join(', ')})`,
    );
  return p;
}

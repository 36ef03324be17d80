// `loopsmith eval`, `loopsmith compare` and `loopsmith report`. Thin: flags are parsed and
// checked here; suites, runs, metrics and the report card live in src/eval.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { compareRuns, comparisonText } from '../eval/compare.js';
import { cellLine } from '../eval/metrics.js';
import { writeReport } from '../eval/report.js';
import { EvalInputError, evaluate, readEvalRun } from '../eval/run.js';
import { loadSuite } from '../eval/suite.js';
import { createOracleModel } from '../gym/oracle.js';
import { readRecords } from '../gym/rollout.js';
import { loadGymTasks, localTestCmd } from '../gym/tasks-source.js';
import type { GymTask } from '../gym/workspace.js';
import { USAGE_EXIT_CODE } from '../harness/status.js';
import { createModel } from '../providers/spec.js';
import { bwrapAvailable } from '../sandbox/index.js';
import { loadTaskFiles } from '../tasks/materialize.js';
import { TaskStore } from '../tasks/store.js';
import { writeOfflineRun } from '../train/offline-format.js';

function usage(cmd: string, message: string): never {
  process.stderr.write(`loopsmith ${cmd}: ${message.split('\n')[0]}\n`);
  process.exit(USAGE_EXIT_CODE);
}

const posInt = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${flag} must be a positive integer, got "${v}"`);
  return n;
};
const nonNeg = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${flag} must be a number >= 0, got "${v}"`);
  return n;
};
const collect = (v: string, prev: string[]) => [...prev, v];

function parseFilters(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const at = item.indexOf('=');
    if (at <= 0) throw new Error(`--filter ${JSON.stringify(item)} must look like key=value`);
    out[item.slice(0, at)] = item.slice(at + 1);
  }
  return out;
}

function parseRange(v: string): [number, number] {
  const m = /^([\d.]+)(?:-([\d.]+))?$/.exec(v);
  if (!m) throw new Error(`--difficulty must be MIN-MAX (e.g. 0-0.5), got "${v}"`);
  return [Number(m[1]), Number(m[2] ?? m[1])];
}

/** Registers `eval`, `compare` and `report`. */
export function registerEval(program: Command): void {
  program
    .command('eval')
    .description(
      'Evaluate a model on a suite through the harness and grader (resumable run directory).',
    )
    .requiredOption('--model <spec>', 'oracle, oracle:seed=N, or any spec `loopsmith run` takes')
    .requiredOption(
      '--suite <path>',
      'task store (SQLite or gym JSONL), SWE-bench JSONL, or a local repository',
    )
    .requiredOption('--out <dir>', 'run directory (rerun with the same one to resume)')
    .option('--n <k>', 'rollouts per task (pass@k up to k)', posInt('--n'), 1)
    .option('--seed <s>', 'base seed', nonNeg('--seed'), 0)
    .option('--split <s>', 'train or eval (stores default to eval)')
    .option('--stage <n>', '1 or 2')
    .option('--kind <k>', 'keep tasks with a bug of this kind (e.g. op_change)')
    .option('--difficulty <range>', 'keep tasks with difficulty in MIN-MAX')
    .option('--filter <key=value>', 'field or feature equality filter (repeatable)', collect, [])
    .option('--per-repo <n>', 'at most n tasks per repository', posInt('--per-repo'), 3)
    .option('--limit <n>', 'at most n tasks in all', posInt('--limit'))
    .option(
      '--local-count <n>',
      'local repository suites: tasks to generate',
      posInt('--local-count'),
      6,
    )
    .option('--test-cmd <cmd>', 'local repository suites: test command (default npm test)')
    .option('--label <text>', 'name of this run in reports (default: the model spec)')
    .option(
      '--temperature <t>',
      'sampling temperature (default 0: greedy)',
      nonNeg('--temperature'),
    )
    .option('--top-p <p>', 'nucleus sampling mass', nonNeg('--top-p'))
    .option(
      '--no-strict',
      'local models: sample tool calls without the call grammar (strict calls are the default)',
    )
    .option('--base-url <url>', 'OpenAI-compatible endpoint for HTTP models')
    .option('--concurrency <c>', 'rollouts at once', posInt('--concurrency'), 1)
    .option('--max-turns <n>', 'harness turn limit', posInt('--max-turns'))
    .option('--max-tokens <n>', 'harness token budget', posInt('--max-tokens'))
    .option('--timeout <sec>', 'harness wall-clock limit per rollout', posInt('--timeout'))
    .option('--sandbox <kind>', 'bwrap (default) or none', 'bwrap')
    .option('--json', 'print the metrics as JSON', false)
    .action(async (f) => {
      if (f.sandbox !== 'bwrap' && f.sandbox !== 'none')
        usage('eval', `--sandbox must be bwrap or none, got "${f.sandbox}"`);
      if (f.sandbox === 'bwrap' && !bwrapAvailable().ok)
        usage('eval', `bubblewrap is not usable here (${bwrapAvailable().reason})`);
      if (f.split && f.split !== 'train' && f.split !== 'eval')
        usage('eval', `--split must be train or eval, got "${f.split}"`);
      if (f.stage && f.stage !== '1' && f.stage !== '2')
        usage('eval', `--stage must be 1 or 2, got "${f.stage}"`);
      if (f.topP !== undefined && !(f.topP > 0 && f.topP <= 1))
        usage('eval', `--top-p must be in (0, 1], got ${f.topP}`);
      let suite: Awaited<ReturnType<typeof loadSuite>>;
      try {
        suite = await loadSuite({
          path: resolve(f.suite),
          ...(f.split ? { split: f.split } : {}),
          ...(f.stage ? { stage: Number(f.stage) as 1 | 2 } : {}),
          ...(f.kind ? { kind: f.kind } : {}),
          ...(f.difficulty ? { difficulty: parseRange(f.difficulty) } : {}),
          filter: parseFilters(f.filter),
          perRepo: f.perRepo,
          ...(f.limit ? { limit: f.limit } : {}),
          seed: f.seed,
          localCount: f.localCount,
          ...(f.testCmd ? { testCmd: f.testCmd } : {}),
        });
      } catch (e) {
        usage('eval', (e as Error).message);
      }
      const oracle = f.model === 'oracle' ? null : /^oracle:seed=(\d+)$/.exec(f.model)?.[1];
      const temperature = f.temperature ?? 0;
      const specOpts = (seed: number) => ({
        baseUrl: f.baseUrl,
        temperature,
        seed,
        local: {
          ...(f.topP !== undefined ? { topP: f.topP } : {}),
          ...(f.strict === false ? { strict: false } : {}),
        },
        ...(f.topP !== undefined ? { extraBody: { top_p: f.topP } } : {}),
      });
      if (oracle === undefined)
        await createModel(f.model, specOpts(0))
          .then((m) => m.close?.())
          .catch((e: Error) => usage('eval', e.message));
      const t0 = Date.now();
      const res = await evaluate(suite, {
        outDir: resolve(f.out),
        model: f.model,
        ...(f.label ? { label: f.label } : {}),
        n: f.n,
        seed: f.seed,
        concurrency: f.concurrency,
        sampling: { temperature, topP: f.topP ?? null },
        makeModel: (gt, _k, seed) =>
          oracle === undefined
            ? createModel(f.model, specOpts(seed))
            : createOracleModel(gt, { seed: oracle === null ? seed : Number(oracle) }),
        episode: {
          sandbox: f.sandbox,
          agent: {
            ...(f.maxTurns ? { maxTurns: f.maxTurns } : {}),
            ...(f.maxTokens ? { maxTokens: f.maxTokens } : {}),
            ...(f.timeout ? { timeoutMs: f.timeout * 1000 } : {}),
          },
        },
        onProgress: (p) =>
          process.stderr.write(
            `[${p.done}/${p.total}${p.skipped ? ` +${p.skipped} done before` : ''}] resolved ${p.resolved}/${p.done}${p.last ? ` | ${p.last.taskId} k=${p.last.k} ${p.last.status} ${p.last.resolved ? 'resolved' : 'not resolved'}` : ''}\n`,
          ),
      }).catch((e: Error) => {
        if (e instanceof EvalInputError || /^rollout: /.test(e.message)) usage('eval', e.message);
        throw e;
      });
      process.stderr.write(`done in ${((Date.now() - t0) / 1000).toFixed(1)}s -> ${res.dir}\n`);
      const m = res.metrics;
      if (f.json) {
        process.stdout.write(`${JSON.stringify(m, null, 1)}\n`);
        return;
      }
      const lines = [
        `${res.info.label} on ${res.info.suite.kind} suite ${res.info.suite.path}`,
        `  ${cellLine(m)}`,
        `  pass@k: ${Object.entries(m.pass_at_k)
          .map(([k, v]) => `pass@${k} ${(100 * v).toFixed(1)}%`)
          .join(', ')} (${m.tasks} tasks, ${m.repos} repos)`,
        `  tokens/task prompt ${m.tokens.prompt}, completion ${m.tokens.completion}, cached ${m.tokens.cached}; per resolved task ${m.tokens_per_resolved_task ?? '-'}`,
        `  turns ${m.turns_mean}, wall ${m.wall_s_mean}s/task, format-error rate ${(100 * m.format_error_rate).toFixed(1)}%, invalid ${m.invalid}, tampered ${m.tampered}, suspicious ${m.suspicious}${
          Object.keys(m.defences).length
            ? ` (${Object.entries(m.defences)
                .map(([k, v]) => `${k} ${v}`)
                .join(', ')})`
            : ''
        }`,
        `  exit statuses: ${Object.entries(m.exit_statuses)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
        ...Object.entries(m.by).flatMap(([dim, cells]) =>
          Object.entries(cells).map(([k, c]) => `  by ${dim} ${k}: ${cellLine(c)}`),
        ),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  program
    .command('compare')
    .description(
      'Compare two eval runs on their common tasks (McNemar exact, paired bootstrap, tokens).',
    )
    .argument('<run_a>', 'eval run directory A')
    .argument('<run_b>', 'eval run directory B')
    .option('--json', 'print JSON', false)
    .action(async (a: string, b: string, f) => {
      const [A, B] = await Promise.all([readEvalRun(resolve(a)), readEvalRun(resolve(b))]).catch(
        (e: Error) => usage('compare', e.message),
      );
      if (A.info.suiteHash !== B.info.suiteHash)
        process.stderr.write(
          `loopsmith compare: note: the runs come from different suites (${A.info.suiteHash} vs ${B.info.suiteHash}); only common task ids are paired\n`,
        );
      const c = compareRuns(A, B);
      if (c.tasks === 0) usage('compare', `${a} and ${b} have no task in common`);
      process.stdout.write(f.json ? `${JSON.stringify(c, null, 1)}\n` : `${comparisonText(c)}\n`);
    });

  program
    .command('report')
    .description(
      'The report card (markdown or self-contained HTML) from stage outputs and eval runs.',
    )
    .argument(
      '<dirs...>',
      'eval run directories, stage output directories, or folders holding them',
    )
    .requiredOption('--out <file>', 'report.md or report.html')
    .action(async (dirs: string[], f) => {
      const data = await writeReport(dirs, resolve(f.out)).catch((e: Error) =>
        usage('report', e.message),
      );
      process.stderr.write(
        `${f.out}: ${data.stages.length} stages, ${data.evals.length} eval runs, ${data.ablation.length} paired comparisons\n`,
      );
    });

  program
    .command('offline-data')
    .description(
      "The ablation's format B: a rollout run's solutions as issue + code -> diff conversations (a run dir mid2 reads).",
    )
    .requiredOption('--runs <dir>', 'rollout run directory (the teacher run of format A)')
    .requiredOption(
      '--tasks <file>',
      'the task store (SQLite) or {task, repo} JSONL the run came from',
    )
    .requiredOption('--out <dir>', 'output run directory')
    .action(async (f) => {
      const records = await readRecords(resolve(f.runs)).catch((e: Error) =>
        usage('offline-data', e.message),
      );
      const ids = new Set(records.map((r) => r.taskId));
      const tasks = new Map<string, GymTask>();
      try {
        if (f.tasks.endsWith('.jsonl')) {
          for (const gt of await loadGymTasks(resolve(f.tasks)))
            if (ids.has(gt.task.id)) tasks.set(gt.task.id, gt);
        } else {
          const store = new TaskStore(resolve(f.tasks));
          try {
            for (const id of ids) {
              const tf = loadTaskFiles(store, id);
              tasks.set(id, {
                task: { ...tf.task, testCmd: localTestCmd(tf.task.testCmd) },
                repo: tf.repo,
              });
            }
          } finally {
            store.close();
          }
        }
      } catch (e) {
        usage('offline-data', `--tasks ${f.tasks}: ${(e as Error).message}`);
      }
      const r = await writeOfflineRun(records, tasks, resolve(f.out));
      process.stderr.write(
        `${r.written} format-B conversations from ${records.length} rollouts (skipped: ${r.skipped.unresolved} unresolved, ${r.skipped.noTask} without task, ${r.skipped.emptyDiff} empty diff) -> ${f.out}\n`,
      );
    });
}

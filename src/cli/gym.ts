// `loopsmith rollout`, `loopsmith data sft|rl|rows` and `loopsmith gateway`: the gym's
// commands. Thin: flags are parsed here, the work is in src/gym.
import { createWriteStream, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { rlGroups } from '../gym/datasets/rl.js';
import { segmentRecords } from '../gym/datasets/segments.js';
import { type SftFormat, sftRow } from '../gym/datasets/sft.js';
import { loadTemplate, tokenRow } from '../gym/datasets/tokens.js';
import { ExecMemo } from '../gym/exec-memo.js';
import { startGateway } from '../gym/gateway.js';
import { storeRows } from '../gym/gateway-rows.js';
import { createOracleModel } from '../gym/oracle.js';
import { type RolloutRecord, readRecords, runRollouts } from '../gym/rollout.js';
import { loadGymTasks, parseFilter } from '../gym/tasks-source.js';
import { USAGE_EXIT_CODE } from '../harness/status.js';
import { createModel, registerModelFactory } from '../providers/spec.js';
import { bwrapAvailable } from '../sandbox/index.js';
import { rlRowsFromStore } from '../train/rl-external.js';
import { parseSamplingFlags, samplingSpecOptions } from './sampling.js';

function usage(cmd: string, message: string): never {
  process.stderr.write(`loopsmith ${cmd}: ${message}\n`);
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

/** `oracle` (seed from the rollout) or `oracle:seed=N` (fixed seed). */
function oracleSeed(spec: string): number | null | undefined {
  if (spec === 'oracle') return null;
  const m = /^oracle:seed=(\d+)$/.exec(spec);
  return m ? Number(m[1]) : undefined;
}

/** Lets `loopsmith run --model oracle:TASKS.jsonl#TASK_ID` play the oracle of one task. */
function registerOracleSpec(): void {
  try {
    registerModelFactory('oracle', async (rest) => {
      const [file, id] = rest.split('#');
      if (!file || !id)
        throw new Error(
          `oracle spec "oracle:${rest}" must be oracle:TASKS.jsonl#TASK_ID (in rollouts: oracle or oracle:seed=N)`,
        );
      const [gt] = await loadGymTasks(resolve(file), { id });
      if (!gt) throw new Error(`oracle: no task ${id} in ${file}`);
      return createOracleModel(gt, { seed: 0 });
    });
  } catch {
    // Registered already (registerGym called twice in one process, as tests do).
  }
}

/** Closes each rollout's gateway route with its reward and what an RL trainer groups by. */
async function closeGatewayRollouts(baseUrl: string, recs: RolloutRecord[]): Promise<void> {
  for (const r of recs) {
    const url = `${baseUrl.replace('{rollout}', `${r.taskId}.${r.k}`).replace(/\/v1\/?$/, '')}/reward`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        reward: r.reward.reward,
        info: { task_id: r.taskId, k: r.k, resolved: r.grade.resolved, cut_by_limit: r.cutByLimit },
      }),
    });
    // 409: closed by an earlier (resumed) run.
    if (!res.ok && res.status !== 409)
      process.stderr.write(`rollout: closing ${url} failed (${res.status})\n`);
  }
}

/** Registers `rollout`, `data sft`, `data rl`, `data rows` and `gateway`. */
export function registerGym(program: Command): void {
  registerOracleSpec();
  program
    .command('rollout')
    .description('Run n graded rollouts per task through the harness (resumable run directory).')
    .requiredOption(
      '--tasks <file>',
      'task store (SQLite, from `tasks gen`) or JSONL of {task, repo}',
    )
    .option(
      '--filter <key=value>',
      'keep tasks whose field or feature equals value (repeatable), e.g. stage=1',
      collect,
      [],
    )
    .requiredOption('--model <spec>', 'oracle, oracle:seed=N, or any spec `loopsmith run` takes')
    .option(
      '--base-url <url>',
      'OpenAI-compatible endpoint for HTTP models; with {rollout} in it (a recording gateway), each rollout gets TASK.K there and is closed with its reward',
    )
    .option('--n <k>', 'rollouts per task', posInt('--n'), 1)
    .option('--concurrency <c>', 'rollouts at once', posInt('--concurrency'), 1)
    .option('--limit <n>', 'at most this many tasks', posInt('--limit'))
    .option(
      '--seed <s>',
      'base seed (each rollout samples with one derived from it)',
      nonNeg('--seed'),
      0,
    )
    .option('--temperature <t>', 'sampling temperature of local models, 0 = greedy (default 0)')
    .option('--top-p <p>', 'nucleus sampling mass in (0, 1] (default 1)')
    .option(
      '--no-strict',
      'local models: sample tool calls without the call grammar (strict calls are the default)',
    )
    .option('--max-turns <n>', 'harness turn limit', posInt('--max-turns'))
    .option('--max-tokens <n>', 'harness token budget', posInt('--max-tokens'))
    .option('--timeout <sec>', 'harness wall-clock limit per rollout', posInt('--timeout'))
    .option(
      '--token-cost <r>',
      'reward subtracted per 1k tokens on resolved rollouts',
      nonNeg('--token-cost'),
      0,
    )
    .option(
      '--suspicious-reward <r>',
      'reward of a run whose tests pass but whose diff the grading audit flags (0..1)',
      nonNeg('--suspicious-reward'),
      0,
    )
    .option('--sandbox <kind>', 'bwrap (default) or none', 'bwrap')
    .option(
      '--reuse-runs',
      'replay an agent command already run on an identical workspace (deterministic task repos only; grading always runs)',
      false,
    )
    .requiredOption('--out <dir>', 'run directory (rerun with the same one to resume)')
    .action(async (f) => {
      let sampling: ReturnType<typeof parseSamplingFlags>;
      try {
        sampling = parseSamplingFlags({
          temperature: f.temperature,
          topP: f.topP,
          strict: f.strict,
        });
      } catch (e) {
        usage('rollout', (e as Error).message);
      }
      if (f.sandbox !== 'bwrap' && f.sandbox !== 'none')
        usage('rollout', `--sandbox must be bwrap or none, got "${f.sandbox}"`);
      if (f.sandbox === 'bwrap' && !bwrapAvailable().ok)
        usage(
          'rollout',
          `bubblewrap is not usable here (${bwrapAvailable().reason}). ${bwrapAvailable().installHint}`,
        );
      let tasks: Awaited<ReturnType<typeof loadGymTasks>>;
      try {
        tasks = await loadGymTasks(resolve(f.tasks), parseFilter(f.filter), f.limit);
      } catch (e) {
        usage('rollout', (e as Error).message);
      }
      if (tasks.length === 0)
        usage('rollout', `no task in ${f.tasks} matches ${f.filter.join(' ') || '(no filter)'}`);
      const fixed = oracleSeed(f.model);
      // `{rollout}` in the base URL: one gateway route per rollout (external RL trainers).
      const urlOf = (id: string) => f.baseUrl?.replace('{rollout}', id);
      if (fixed === undefined)
        await createModel(f.model, { ...samplingSpecOptions(sampling), baseUrl: urlOf('check') })
          .then((m) => m.close?.())
          .catch((e: Error) => usage('rollout', e.message));
      if (f.suspiciousReward > 1) usage('rollout', '--suspicious-reward must be between 0 and 1');
      const t0 = Date.now();
      const summary = await runRollouts(tasks, {
        outDir: resolve(f.out),
        n: f.n,
        concurrency: f.concurrency,
        seed: f.seed,
        makeModel: (gt, k, seed) =>
          fixed === undefined
            ? createModel(f.model, {
                ...samplingSpecOptions(sampling, seed),
                baseUrl: urlOf(`${gt.task.id}.${k}`),
              })
            : createOracleModel(gt, { seed: fixed ?? seed }),
        episode: {
          sandbox: f.sandbox,
          ...(f.reuseRuns ? { execMemo: new ExecMemo() } : {}),
          // The store (with SQLite's side files) and the run directory hold gold patches
          // and hidden tests; the sandbox otherwise shows the host filesystem read-only.
          hidePaths: [
            resolve(f.out),
            ...['', '-wal', '-shm', '-journal']
              .map((x) => resolve(f.tasks) + x)
              .filter((p) => existsSync(p)),
          ],
          agent: {
            ...(f.maxTurns ? { maxTurns: f.maxTurns } : {}),
            ...(f.maxTokens ? { maxTokens: f.maxTokens } : {}),
            ...(f.timeout ? { timeoutMs: f.timeout * 1000 } : {}),
          },
          reward: { tokenCostPer1k: f.tokenCost, suspiciousReward: f.suspiciousReward },
        },
        config: {
          model: f.model,
          sampling: { temperature: sampling.temperature ?? 0, topP: sampling.topP ?? 1 },
          tasksFile: resolve(f.tasks),
          filter: f.filter,
          limit: f.limit ?? null,
          maxTurns: f.maxTurns ?? null,
          maxTokens: f.maxTokens ?? null,
          timeoutSec: f.timeout ?? null,
          tokenCostPer1k: f.tokenCost,
          suspiciousReward: f.suspiciousReward,
          sandbox: f.sandbox,
          concurrency: f.concurrency,
          reuseRuns: f.reuseRuns,
        },
        onProgress: (p) => {
          const eta =
            p.etaSec === null
              ? '?'
              : p.etaSec >= 90
                ? `${Math.round(p.etaSec / 60)}m`
                : `${p.etaSec}s`;
          const l = p.last;
          process.stderr.write(
            `[${p.done}/${p.total}${p.skipped ? ` +${p.skipped} done before` : ''}] ${p.ratePerMin.toFixed(1)}/min ETA ${eta} resolved ${p.resolved}/${p.done} (${((100 * p.resolved) / p.done).toFixed(1)}%)${l ? ` | ${l.taskId} k=${l.k} ${l.status} ${l.verdict}` : ''}\n`,
          );
        },
      });
      if (f.baseUrl?.includes('{rollout}'))
        await closeGatewayRollouts(f.baseUrl, await readRecords(resolve(f.out)));
      process.stderr.write(`done in ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);
      process.stdout.write(`${JSON.stringify(summary, null, 1)}\n`);
    });

  const data = program
    .command('data')
    .description('Training datasets from rollout runs and gateway traces');
  data
    .command('sft')
    .description('SFT rows from rollout runs (JSONL)')
    .requiredOption('--runs <dirs...>', 'rollout run directories')
    .option('--only-resolved', 'keep resolved rollouts only (rejection sampling)', false)
    .requiredOption('--format <f>', 'trl | openai | sharegpt | tokens')
    .option('--tokenizer <file>', 'tokenizer JSON for --format tokens')
    .option('--out <file>', 'output JSONL (default: stdout)')
    .action(async (f) => {
      if (!['trl', 'openai', 'sharegpt', 'tokens'].includes(f.format))
        usage('data sft', `--format must be trl, openai, sharegpt or tokens, got "${f.format}"`);
      if (f.format === 'tokens' && !f.tokenizer)
        usage(
          'data sft',
          '--format tokens needs --tokenizer FILE (the embedded model tokenizer JSON)',
        );
      const template = f.format === 'tokens' ? loadTemplate(resolve(f.tokenizer)) : undefined;
      const out = f.out ? createWriteStream(resolve(f.out)) : process.stdout;
      let rows = 0;
      let seen = 0;
      for (const dir of f.runs as string[]) {
        const recs = await readRecords(resolve(dir)).catch((e: Error) =>
          usage('data sft', e.message),
        );
        for (const r of recs) {
          seen++;
          if (f.onlyResolved && !r.grade.resolved) continue;
          // A compacted rollout gives one row per segment (each token-exact).
          for (const seg of segmentRecords(r)) {
            const row = template ? tokenRow(seg, template) : sftRow(seg, f.format as SftFormat);
            out.write(
              `${JSON.stringify(seg.segment === undefined ? row : { ...row, segment: seg.segment })}\n`,
            );
            rows++;
          }
        }
      }
      if (out !== process.stdout)
        await new Promise((r) => (out as ReturnType<typeof createWriteStream>).end(r));
      process.stderr.write(`${rows} rows from ${seen} rollouts\n`);
    });
  data
    .command('rl')
    .description(
      'RL groups (per task: rewards, leave-one-out advantages, limit-cut masks) as JSONL',
    )
    .requiredOption('--runs <dirs...>', 'rollout run directories')
    .requiredOption('--out <file>', 'output JSONL')
    .action(async (f) => {
      const recs = [];
      for (const dir of f.runs as string[])
        recs.push(
          ...(await readRecords(resolve(dir)).catch((e: Error) => usage('data rl', e.message))),
        );
      const groups = rlGroups(recs);
      const out = createWriteStream(resolve(f.out));
      for (const g of groups) out.write(`${JSON.stringify(g)}\n`);
      await new Promise((r) => out.end(r));
      process.stderr.write(
        `${groups.length} groups (${groups.filter((g) => !g.uniform).length} with mixed rewards) from ${recs.length} rollouts\n`,
      );
    });
  data
    .command('rows')
    .description(
      'Token-level training rows from a gateway store (exact-prefix merges, tool tokens masked)',
    )
    .requiredOption('--store <dir>', 'the gateway --store directory')
    .requiredOption('--out <file>', 'output JSONL')
    .option(
      '--rl',
      'RL rows: group by task, leave-one-out advantage, limit-cut rollouts masked (see README)',
      false,
    )
    .action(async (f) => {
      const { rows, report } = await (f.rl ? rlRowsFromStore : storeRows)(resolve(f.store)).catch(
        (e: Error) => usage('data rows', e.message),
      );
      const out = createWriteStream(resolve(f.out));
      for (const r of rows) out.write(`${JSON.stringify(r)}\n`);
      await new Promise((r) => out.end(r));
      process.stdout.write(`${JSON.stringify(report)}\n`);
    });

  program
    .command('gateway')
    .description(
      'Recording OpenAI-compatible proxy for RL trainers: harness base URL = http://HOST:PORT/rollout/{id}/v1',
    )
    .requiredOption('--upstream <url>', 'upstream base URL, e.g. http://127.0.0.1:8000/v1')
    .option('--port <p>', 'port to listen on', posInt('--port'), 8100)
    .option('--host <h>', 'address to bind', '127.0.0.1')
    .requiredOption('--store <dir>', 'where per-rollout JSONL traces go')
    .option('--no-ask-tokens', 'do not add return_token_ids / logprobs to requests')
    .action(async (f) => {
      const gw = await startGateway({
        upstream: f.upstream,
        store: resolve(f.store),
        port: f.port,
        host: f.host,
        askTokens: f.askTokens,
      }).catch((e: Error) => usage('gateway', e.message));
      process.stderr.write(
        `gateway on ${gw.url} -> ${f.upstream}; point the harness at ${gw.url}/rollout/<id>/v1, close with POST ${gw.url}/rollout/<id>/reward\n`,
      );
      const stop = () => gw.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}

// Task generation from a real repository on disk: candidates of every kind over its source
// files, validated by spawning its own test command in W working copies. Candidates are
// processed in fixed chunks (the chunk index plays the seed's role for resumable progress).
import { resolve } from 'node:path';
import { UserError } from '../errors.js';
import { callGraph } from '../mutate/callgraph.js';
import { bugCandidates, helperFiles } from '../mutate/index.js';
import { type GenSpec, type RepoOutcome, splitOf } from '../pipeline.js';
import { hash32, Rng } from '../rng.js';
import { loadLocalRepo } from '../sources/local.js';
import { patchHash, type SeedStats } from '../store.js';
import type { RepoSnapshot, Task } from '../types.js';
import { type Reference, referenceRun, validate } from '../validate.js';
import { describeTask } from './describe.js';
import { detectRunner } from './runners/detect.js';
import { SpawnSuite } from './spawn.js';

/** Candidates per chunk (one progress row each). */
export const CHUNK = 4;

export interface LocalChunk {
  seed: number;
  outcome: RepoOutcome;
}

/** Loads the repo and yields its validated tasks chunk by chunk, in chunk order. */
export async function* localChunks(spec: GenSpec, skip: Set<number>): AsyncGenerator<LocalChunk> {
  const dir = resolve(spec.source);
  const repo: RepoSnapshot = loadLocalRepo(dir, { testCmd: spec.testCmd });
  const detected = detectRunner(repo.files, spec.testCmd, spec.runner);
  const workers = Math.max(1, spec.workers);
  let stopped = false;
  const inflight = new Map<number, Promise<LocalChunk>>();
  const suites = Array.from(
    { length: workers },
    () =>
      new SpawnSuite(repo, {
        timeoutMs: Math.max(spec.timeoutMs, 60_000),
        nodeModulesFrom: dir,
        runner: detected,
      }),
  );
  try {
    let ref: Reference;
    try {
      ref = await referenceRun(suites[0]);
    } catch (e) {
      const tail = suites[0].lastOutput.trim().split('\n').slice(-1)[0]?.slice(0, 200) ?? '';
      throw new UserError(
        `${dir}: ${(e as Error).message} with ${detected.runner} (${detected.evidence})${tail ? `; last output line: ${tail}` : ''}. Pass --runner and --test-cmd if this is not how its tests run`,
      );
    }
    const testIds = Object.keys(ref.tests);
    const rng = new Rng(hash32(repo.repoId)).fork('tasks');
    const candidates = bugCandidates(repo, rng.fork('candidates'), {
      maxPerKind: spec.maxPerKind * 10,
    });
    const helpers = new Set(helperFiles(repo));
    const graph = callGraph(repo);
    const split = splitOf(repo.repoId, spec.evalFraction);
    const nChunks = Math.ceil(candidates.length / CHUNK);
    const runChunk = async (k: number, suite: SpawnSuite): Promise<LocalChunk> => {
      const t0 = performance.now();
      const stats: SeedStats = { candidates: {}, kept: {}, dropped: {}, ms: 0 };
      const tasks: Task[] = [];
      for (const c of candidates.slice(k * CHUNK, (k + 1) * CHUNK)) {
        if (stopped) break;
        stats.candidates[c.kind] = (stats.candidates[c.kind] ?? 0) + 1;
        const v = await validate(suite, ref, repo.files, [c]);
        if (!v.ok) {
          stats.dropped[v.reason] = (stats.dropped[v.reason] ?? 0) + 1;
          continue;
        }
        const family = helpers.has(c.file) ? 'multifile' : 'bugfix';
        const id = patchHash(repo.repoId, v.buggyFiles);
        const task = describeTask({
          repo,
          bugs: [c],
          family,
          validation: v,
          id,
          split,
          graph,
          rng: rng.fork(`task:${id}`),
        });
        if (spec.stage !== undefined && task.stage !== spec.stage) {
          stats.dropped.other_stage = (stats.dropped.other_stage ?? 0) + 1;
          continue;
        }
        stats.kept[c.kind] = (stats.kept[c.kind] ?? 0) + 1;
        tasks.push(task);
      }
      stats.ms = Math.round(performance.now() - t0);
      return { seed: k, outcome: { repo, testIds, tasks, stats } };
    };
    // W chunks in flight, results handed out in chunk order.
    const todo = Array.from({ length: nChunks }, (_, k) => k).filter((k) => !skip.has(k));
    let next = 0;
    const free = [...suites];
    const start = () => {
      while (free.length > 0 && next < todo.length) {
        const k = todo[next++];
        const suite = free.pop() as SpawnSuite;
        inflight.set(
          k,
          runChunk(k, suite).finally(() => free.push(suite)),
        );
      }
    };
    for (const k of todo) {
      start();
      const r = await (inflight.get(k) as Promise<LocalChunk>);
      inflight.delete(k);
      yield r;
    }
  } finally {
    // The consumer may stop early (count reached): let chunks in flight finish their current
    // run before their working copies go away.
    stopped = true;
    await Promise.allSettled(inflight.values());
    for (const s of suites) s.dispose();
  }
}

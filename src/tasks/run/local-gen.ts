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
import type { BugCandidate, Task } from '../types.js';
import { type Reference, type SuiteRunner, validate } from '../validate.js';
import { describeTask } from './describe.js';
import { detectRunner } from './runners/detect.js';
import { fileOf } from './runners/select.js';
import { directEligible, SpawnSuite } from './spawn.js';
import { earlyReference, type Started, sameTests, startRuns, takeStarted } from './start.js';
import { trace } from './trace.js';
import { WarmCliSuite } from './warm/cli-suite.js';
import { MochaWarmSuite } from './warm/mocha-suite.js';

/** Candidates per chunk (one progress row each). */
export const CHUNK = 4;

export interface LocalChunk {
  seed: number;
  outcome: RepoOutcome;
}

/** A suite of this path: a spawning one, or a warm mocha worker. */
type LocalSuite = SuiteRunner & { dispose(): void };

/** Warm mocha suites (one per worker) on the started processes, with the candidates' schemata. */
function mochaSuites(
  started: Started,
  candidates: BugCandidate[],
  spec: GenSpec,
): MochaWarmSuite[] {
  return started.mocha.map(
    (prefork) =>
      new MochaWarmSuite(started.repo, {
        nodeModulesFrom: started.dir,
        args: started.mochaArgs,
        candidates,
        timeoutMs: Math.max(spec.timeoutMs, 10_000),
        // For measuring the techniques one by one (bench/tasks-real.bench.ts).
        coverage: process.env.LOOPSMITH_WARM_COVERAGE !== '0',
        prefork,
      }),
  );
}

/** The warm suites, kept only when their reference agrees with the spawned one. */
async function fastSuites(
  suites: (MochaWarmSuite | WarmCliSuite)[],
  ref: Reference,
): Promise<LocalSuite[]> {
  if (suites.length === 0) return [];
  const files = [...new Set(Object.keys(ref.tests).map(fileOf))].sort();
  for (const s of suites) if (s instanceof WarmCliSuite) s.useFiles(files);
  // A worker that died at start (its runner would not load) rejects: spawn instead.
  const warmRef = await Promise.all(suites.map((s) => s.run({}, null))).catch(() => null);
  if (warmRef)
    suites.forEach((s, i) => {
      if (s instanceof WarmCliSuite) s.learn(ref, warmRef[i].durationMs);
    });
  const same = warmRef?.every((r) => sameTests(r.tests, ref.tests));
  if (!same) {
    process.stderr.write(DISAGREE);
    for (const s of suites) s.dispose();
    return [];
  }
  return suites;
}

/**
 * Test-file selection stays on only when the narrowed command, run on the clean repository
 * for one test file, reports exactly that file's reference results.
 */
async function checkSelection(suites: SpawnSuite[], ref: Reference): Promise<void> {
  if (!suites.map((s) => s.learn(ref)).every(Boolean)) return;
  const byFile = new Map<string, string[]>();
  for (const id of Object.keys(ref.tests)) {
    const f = id.slice(0, id.indexOf(' > '));
    byFile.set(f, [...(byFile.get(f) ?? []), id]);
  }
  // The smallest test file: the cheapest check.
  const [, ids] = [...byFile].sort((a, b) => a[1].length - b[1].length)[0] ?? [];
  const r = ids ? await suites[0].run({}, new Set(ids)) : null;
  const same =
    r !== null &&
    Object.keys(r.tests).length === ids.length &&
    ids.every((id) => r.tests[id] === ref.tests[id]);
  if (!same) {
    process.stderr.write(
      'test-file selection disagrees with the reference run; every candidate runs the whole suite (slower)\n',
    );
    for (const s of suites) s.unselect();
  }
}

/**
 * tap and node:test repositories: the test files run one by one with plain node instead of
 * the runner's command (spawn.ts `runDirect`), kept only when that run of the clean
 * repository reports exactly the runner's reference results. Off with --warm none (or
 * LOOPSMITH_DIRECT=0, to measure).
 */
async function checkDirect(
  suites: SpawnSuite[],
  ref: Reference,
  spec: GenSpec,
  runner: string,
): Promise<void> {
  if (spec.warm === 'none' || process.env.LOOPSMITH_DIRECT === '0') return;
  const files = [...new Set(Object.keys(ref.tests).map((id) => id.slice(0, id.indexOf(' > '))))];
  suites[0].runDirect(files.sort());
  const r = await suites[0].run({}, null);
  const same =
    !r.timedOut &&
    Object.keys(r.tests).length === Object.keys(ref.tests).length &&
    Object.entries(ref.tests).every(([id, st]) => r.tests[id] === st);
  for (const s of suites) s.runDirect(same ? files : null);
  if (!same)
    process.stderr.write(
      `running ${runner}'s test files with node disagrees with its own run; every run goes through its command (slower)\n`,
    );
}

const DISAGREE =
  'warm run disagrees with the spawned reference run; validating by spawning (slower)\n';

/** Loads the repo and yields its validated tasks chunk by chunk, in chunk order. */
export async function* localChunks(
  spec: GenSpec,
  skip: Set<number>,
  speculate = true,
): AsyncGenerator<LocalChunk> {
  // Started ahead by the CLI (./start.ts) when the spec is the same, else here.
  const started =
    (speculate ? takeStarted(spec) : null) ??
    (() => {
      const repo = loadLocalRepo(resolve(spec.source), { testCmd: spec.testCmd });
      return startRuns(repo, spec, detectRunner(repo.files, spec.testCmd, spec.runner), speculate);
    })();
  const { dir, repo, detected, spawnSuite } = started;
  trace('generator loaded');
  const workers = Math.max(1, spec.workers);
  let stopped = false;
  const inflight = new Map<number, Promise<LocalChunk>>();
  const rng = new Rng(hash32(repo.repoId)).fork('tasks');
  let candidates = bugCandidates(repo, rng.fork('candidates'), {
    maxPerKind: spec.maxPerKind * 10,
  });
  // Candidates in these files only (the per-runner benchmark's short mode, as Stryker's
  // `mutate`): comma-separated repository paths.
  const only = process.env.LOOPSMITH_MUTATE_FILES?.split(',');
  if (only) candidates = candidates.filter((c) => only.includes(c.file));
  // Test-file selection (off for measuring: bench/tasks-runners.bench.ts).
  const select = process.env.LOOPSMITH_SELECT !== '0';
  let suites: LocalSuite[] = [spawnSuite];
  // The warm workers started (and loaded their runner) while the spawned reference runs.
  const warmSuites = [...mochaSuites(started, candidates, spec), ...started.cli];
  trace('candidates and warm suites made');
  // The spawned reference is the ground truth: awaited before any chunk is handed out.
  const spawnedRef = started.spawnedRef.catch((e: Error) => {
    const tail = spawnSuite.lastOutput.trim().split('\n').slice(-1)[0]?.slice(0, 200) ?? '';
    throw new UserError(
      `${dir}: ${e.message} with ${detected.runner} (${detected.evidence})${tail ? `; last output line: ${tail}` : ''}. Pass --runner and --test-cmd if this is not how its tests run`,
    );
  });
  spawnedRef.catch(() => undefined);
  /** Speculative warm path: whether the spawned reference agreed (awaited before yielding). */
  let verify: Promise<boolean> | null = null;
  let fallback = false;
  let testIds: string[] = [];
  try {
    let ref: Reference;
    const early =
      started.cliEarly !== null
        ? await started.cliEarly
        : speculate
          ? await earlyReference(warmSuites)
          : null;
    if (early) {
      ref = early.ref;
      suites = warmSuites;
      verify = spawnedRef.then((r) => {
        testIds = Object.keys(r.tests);
        const same = early.refs.every((w) => sameTests(w, r.tests));
        if (!same) process.stderr.write(DISAGREE);
        return same;
      });
      // Awaited only after the first chunk: a failed spawned reference (a UserError) must
      // not count as unhandled before that (Node would print it with a stack and exit).
      verify.catch(() => undefined);
    } else {
      try {
        ref = await spawnedRef;
      } catch (e) {
        for (const s of warmSuites) s.dispose();
        throw e;
      }
      suites = await fastSuites(warmSuites, ref);
    }
    if (suites.length === 0) {
      suites = [spawnSuite];
      testIds = Object.keys(ref.tests);
      for (let i = 1; i < workers; i++)
        suites.push(
          new SpawnSuite(repo, {
            timeoutMs: Math.max(spec.timeoutMs, 60_000),
            nodeModulesFrom: dir,
            runner: detected,
            select,
          }),
        );
      await checkSelection(suites as SpawnSuite[], ref);
      if (directEligible(detected.runner, detected.segment))
        await checkDirect(suites as SpawnSuite[], ref, spec, detected.runner);
    } else {
      if (!verify) {
        testIds = Object.keys(ref.tests);
        spawnSuite.dispose();
      }
      // Candidates that need a fresh module load go last, together: after each of them the
      // worker reloads clean, which the next one (fresh anyway) does not need. Measured on
      // negotiator: see dev/LOG.md. Deterministic for a deterministic reference run.
      const warm = suites[0];
      if (warm instanceof MochaWarmSuite)
        candidates = [
          ...candidates.filter((c) => !warm.needsFresh(c)),
          ...candidates.filter((c) => warm.needsFresh(c)),
        ];
    }
    const helpers = new Set(helperFiles(repo));
    const graph = callGraph(repo);
    const split = splitOf(repo.repoId, spec.evalFraction);
    const nChunks = Math.ceil(candidates.length / CHUNK);
    const runChunk = async (k: number, suite: LocalSuite): Promise<LocalChunk> => {
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
      return { seed: k, outcome: { repo, testIds: [], tasks, stats } };
    };
    // W chunks in flight, results handed out in chunk order.
    const todo = Array.from({ length: nChunks }, (_, k) => k).filter((k) => !skip.has(k));
    let next = 0;
    const free = [...suites];
    const refill = process.env.LOOPSMITH_REFILL !== '0';
    const start = () => {
      while (!stopped && free.length > 0 && next < todo.length) {
        const k = todo[next++];
        const suite = free.pop() as LocalSuite;
        inflight.set(
          k,
          runChunk(k, suite).finally(() => {
            free.push(suite);
            // A worker done before the chunk ahead of it takes the next one at once instead of
            // waiting for the in-order hand-out (LOOPSMITH_REFILL=0: the old wait, to measure).
            if (refill) start();
          }),
        );
      }
    };
    for (const k of todo) {
      start();
      const r = await (inflight.get(k) as Promise<LocalChunk>);
      inflight.delete(k);
      if (verify && !(await verify)) {
        fallback = true;
        break;
      }
      verify = null;
      if (k === todo[0]) trace('first chunk');
      yield { ...r, outcome: { ...r.outcome, testIds } };
    }
    if (verify && !(await verify)) fallback = true;
    trace('last chunk');
  } finally {
    // The consumer may stop early (count reached): let chunks in flight finish their current
    // run before their working copies go away.
    stopped = true;
    await Promise.allSettled(inflight.values());
    for (const s of suites) s.dispose();
    if (!suites.includes(spawnSuite)) {
      await spawnedRef.catch(() => undefined);
      spawnSuite.dispose();
    }
  }
  // The warm workers disagreed with the spawned reference after all: nothing was handed out
  // yet, so everything starts again the checked way (the reference runs once more).
  if (fallback) yield* localChunks(spec, skip, false);
}

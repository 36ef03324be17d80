// From one repository to its validated tasks: reference run, candidates of every kind,
// validation by execution, then families built from validated bugs (combine) and validated
// again. `generate` drives many repositories through a pool of workers (./run/pool.ts).
import { createHash } from 'node:crypto';
import { callGraph } from './mutate/callgraph.js';
import { bugCandidates, combine, helperFiles, implementCandidates } from './mutate/index.js';
import { hash32, Rng } from './rng.js';
import { describeTask, isHiddenTestFile } from './run/describe.js';
import type { GenSpec } from './spec.js';
import type { SeedStats } from './store.js';
import { patchHash } from './store.js';
import type { BugCandidate, RepoSnapshot, Task, TaskFamily } from './types.js';
import { type Reference, type SuiteRunner, type Validation, validate } from './validate.js';

// What to generate lives in ./spec.ts (light: `tasks gen` reads its defaults before the heavy imports).
export { DEFAULT_SPEC, type GenSpec } from './spec.js';

/** Train or eval, decided by the repository alone (so a repo never lands in both). */
export function splitOf(repoId: string, evalFraction: number): 'train' | 'eval' {
  return hash32(`split:${repoId}`) % 10_000 < evalFraction * 10_000 ? 'eval' : 'train';
}

/** Everything one repository produced. */
export interface RepoOutcome {
  repo: RepoSnapshot;
  testIds: string[];
  tasks: Task[];
  stats: SeedStats;
}

function bump(m: Record<string, number>, k: string, by = 1): void {
  m[k] = (m[k] ?? 0) + by;
}

/** Options of processRepo beyond the spec. */
export interface ProcessOptions {
  /** Candidate indices to skip (they hung a worker before). @default none */
  skip?: Set<number>;
  /** Called before each candidate's validation (the pool's watchdog reads it). */
  onCandidate?: (index: number) => void;
}

/** Validates a repository's candidates and builds its tasks (deterministic for a seed). */
export async function processRepo(
  repo: RepoSnapshot,
  suite: SuiteRunner,
  ref: Reference,
  spec: GenSpec,
  opts: ProcessOptions = {},
): Promise<RepoOutcome> {
  const t0 = performance.now();
  const stats: SeedStats = { candidates: {}, kept: {}, dropped: {}, ms: 0 };
  const testIds = Object.keys(ref.tests);
  const rng = new Rng(hash32(repo.repoId)).fork('tasks');
  const split = splitOf(repo.repoId, spec.evalFraction);
  const helpers = new Set(helperFiles(repo));
  const graph = callGraph(repo);
  const wantStage = (s: 1 | 2) => spec.stage === undefined || spec.stage === s;

  const singles = bugCandidates(repo, rng.fork('candidates'), {
    maxPerKind: spec.maxPerKind,
    typeCheck: spec.typeCheck,
  });
  const implement = wantStage(2)
    ? rng.fork('implement').sample(implementCandidates(repo), spec.implementPerRepo)
    : [];
  const tasks: Task[] = [];
  const seen = new Set<string>();
  const validatedSingles: BugCandidate[] = [];
  let index = 0;

  const attempt = async (bugs: BugCandidate[], family: TaskFamily): Promise<void> => {
    const i = index++;
    const label = bugs.length > 1 ? 'combine' : bugs[0].kind;
    bump(stats.candidates, label);
    if (opts.skip?.has(i)) {
      bump(stats.dropped, 'timeout');
      return;
    }
    opts.onCandidate?.(i);
    let v: Validation;
    try {
      v = await validate(suite, ref, repo.files, bugs);
    } catch {
      bump(stats.dropped, 'error');
      return;
    }
    if (!v.ok) {
      bump(stats.dropped, v.reason);
      return;
    }
    // A bug only the hidden tests see cannot be found from the task: not a fair task.
    if (v.failToPass.every((id) => isHiddenTestFile(id.slice(0, id.indexOf(' > '))))) {
      bump(stats.dropped, 'hidden_only');
      return;
    }
    if (family === 'bugfix' || family === 'multifile') validatedSingles.push(bugs[0]);
    const hash = patchHash(repo.repoId, v.buggyFiles);
    if (seen.has(hash)) {
      bump(stats.dropped, 'duplicate');
      return;
    }
    seen.add(hash);
    const task = describeTask({
      repo,
      bugs,
      family,
      validation: v,
      id: hash,
      split,
      graph,
      rng: rng.fork(`task:${hash}`),
    });
    if (!wantStage(task.stage)) {
      bump(stats.dropped, 'other_stage');
      return;
    }
    bump(stats.kept, label);
    tasks.push(task);
  };

  for (const c of singles) await attempt([c], helpers.has(c.file) ? 'multifile' : 'bugfix');
  for (const c of implement) await attempt([c], 'implement');
  if (wantStage(2)) {
    const crng = rng.fork('combine');
    for (let k = 0; k < spec.combinePerRepo; k++) {
      const group = combine(validatedSingles, crng, {
        scope: crng.chance(0.5) ? 'file' : 'module',
      });
      if (!group) break;
      await attempt(group, 'combine');
    }
  }
  stats.ms = Math.round(performance.now() - t0);
  return { repo, testIds, tasks, stats };
}

/** A short content id for things that have no natural one. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

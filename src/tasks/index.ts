// The task factory's narrow face: `generate(source, spec)` yields validated tasks;
// `generateInto(store, spec)` fills a TaskStore resumably (what `loopsmith tasks gen` runs).
import { resolve } from 'node:path';
import { DEFAULT_SPEC, type GenSpec, splitOf } from './pipeline.js';
import { localChunks } from './run/local-gen.js';
import type { RepoBatch, TaskStore } from './store.js';
import { SYNTH_VERSION } from './synth/version.js';
import type { Task } from './types.js';

export { DEFAULT_SPEC, type GenSpec } from './pipeline.js';
export { TaskStore } from './store.js';

/**
 * Progress source name of a spec ("synth:<version>" or "local:<absolute path>"); a local
 * repository's path also tells rollouts where its installed dependencies are.
 */
export function sourceKey(spec: Pick<GenSpec, 'source'>): string {
  return spec.source === 'synth' ? `synth:${SYNTH_VERSION}` : `local:${resolve(spec.source)}`;
}

/** Per-repo (or per-chunk) batches in a deterministic order, skipping `done` seeds. */
export async function* batches(
  spec: GenSpec,
  done: Set<number> = new Set(),
): AsyncGenerator<RepoBatch> {
  const source = sourceKey(spec);
  if (spec.source === 'synth') {
    function* seeds(): Generator<number> {
      for (let s = spec.seed; ; s++) if (!done.has(s)) yield s;
    }
    // Imported here: the synthetic path's pool (vm runner, sucrase) costs a local source ~60 ms.
    const { runSeeds } = await import('./run/pool.js');
    for await (const r of runSeeds(seeds(), spec)) {
      const o = r.outcome;
      if (!o) {
        // A seed that failed outright still gets a progress row (0 tasks), so reruns skip it.
        const repoId = `synth:${SYNTH_VERSION}:${r.seed}`;
        yield {
          source,
          seed: r.seed,
          repo: { repoId, language: 'js', files: {}, testFiles: [], testCmd: '' },
          split: splitOf(repoId, spec.evalFraction),
          storeFiles: false,
          testIds: [],
          tasks: [],
          stats: { candidates: {}, kept: {}, dropped: { seed_error: 1 }, ms: 0 },
        };
        continue;
      }
      yield {
        source,
        seed: r.seed,
        repo: o.repo,
        split: splitOf(o.repo.repoId, spec.evalFraction),
        storeFiles: false,
        testIds: o.testIds,
        tasks: o.tasks,
        stats: o.stats,
      };
    }
    return;
  }
  for await (const c of localChunks(spec, done)) {
    const o = c.outcome;
    yield {
      source,
      seed: c.seed,
      repo: o.repo,
      split: splitOf(o.repo.repoId, spec.evalFraction),
      storeFiles: true,
      testIds: o.testIds,
      tasks: o.tasks,
      stats: o.stats,
    };
  }
}

/** Validated tasks from a source ("synth" or a repo path); stops after `spec.count`. */
export async function* generate(
  source: string,
  spec: Partial<GenSpec> & { count: number },
): AsyncGenerator<Task> {
  const full: GenSpec = { ...DEFAULT_SPEC, ...spec, source };
  let n = 0;
  for await (const b of batches(full)) {
    for (const t of b.tasks) {
      if (n++ >= full.count) return;
      yield t;
    }
  }
}

/** Progress callback data of generateInto. */
export interface GenProgress {
  tasks: number;
  target: number;
  repos: number;
  candidates: number;
}

/**
 * Fills the store up to `spec.count` tasks, resuming where an earlier run stopped (finished
 * seeds are skipped; each repo's tasks land in one transaction with its progress row).
 */
export async function generateInto(
  store: TaskStore,
  spec: GenSpec,
  onProgress?: (p: GenProgress) => void,
): Promise<GenProgress> {
  const source = sourceKey(spec);
  const p: GenProgress = { tasks: store.count(), target: spec.count, repos: 0, candidates: 0 };
  if (p.tasks >= spec.count) return p;
  for await (const b of batches(spec, store.doneSeeds(source))) {
    store.addRepo(b, spec.count);
    p.tasks = store.count();
    p.repos++;
    p.candidates += Object.values(b.stats.candidates).reduce((a, x) => a + x, 0);
    onProgress?.(p);
    if (p.tasks >= spec.count) break;
  }
  return p;
}

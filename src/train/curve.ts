// Learning curves: every weight snapshot a stage kept (OUT/snapshots/step-N) evaluated on
// held-out tasks in the real harness, as resolved rate against tokens trained. Each point is
// an ordinary eval run (OUT/curve/step-N), so a killed curve resumes where it stopped.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate } from '../eval/run.js';
import type { LoadedSuite } from '../eval/suite.js';
import { loadCheckpoint } from '../lm/model.js';
import { createModel } from '../providers/spec.js';
import { turnProbe } from './probe.js';
import { atomicWrite } from './progress.js';
import { StageInputError } from './stage.js';

export interface CurvePoint {
  step: number;
  tokens: number;
  resolved: number;
  tasks: number;
  repos: number;
  ci95: [number, number];
  format_error_rate: number;
  tokens_per_task: number;
  /** Held-out teacher turns reproduced exactly (src/train/probe.ts), when probe runs are given. */
  probe?: { turns: number; exact: number; episodes: number; imitated: number } | null;
}

export interface CurveOptions {
  /** Stage output directory holding snapshots/. */
  stageDir: string;
  suite: LoadedSuite;
  /** @default 10 */
  maxTurns: number;
  /** @default 'bwrap' */
  sandbox: 'bwrap' | 'none';
  /** @default 2 */
  concurrency: number;
  hidePaths?: string[];
  /** Teacher runs on held-out tasks each snapshot replays (src/train/probe.ts). @default [] */
  probeRuns?: string[];
  /** @default 30 */
  probeLimit?: number;
  log?: (l: string) => void;
}

/** Evaluates every snapshot (greedy) and writes OUT/curve.jsonl; returns the points by step. */
export async function runCurve(
  o: Partial<CurveOptions> & Pick<CurveOptions, 'stageDir' | 'suite'>,
): Promise<CurvePoint[]> {
  const snaps = join(o.stageDir, 'snapshots');
  if (!existsSync(snaps))
    throw new StageInputError(`${o.stageDir}: no snapshots/ (train the stage with snapshotEvery)`);
  const points: CurvePoint[] = [];
  for (const name of readdirSync(snaps)
    .filter((n) => /^step-\d+$/.test(n))
    .sort()) {
    const dir = join(snaps, name);
    const { step, tokens } = JSON.parse(readFileSync(join(dir, 'snapshot.json'), 'utf8')) as {
      step: number;
      tokens: number;
    };
    const spec = `local:${dir}`;
    const r = await evaluate(o.suite, {
      outDir: join(o.stageDir, 'curve', name),
      model: spec,
      label: `${name} (${tokens} tokens)`,
      concurrency: o.concurrency ?? 2,
      makeModel: (_gt, _k, seed) => createModel(spec, { temperature: 0, seed }),
      episode: {
        sandbox: o.sandbox ?? 'bwrap',
        agent: { maxTurns: o.maxTurns ?? 10 },
        hidePaths: o.hidePaths ?? [],
      },
    });
    const m = r.metrics;
    let probe: CurvePoint['probe'] = null;
    if (o.probeRuns?.length) {
      const p = await turnProbe(loadCheckpoint(dir), o.probeRuns, { limit: o.probeLimit ?? 30 });
      probe = {
        turns: p.all.turns,
        exact: p.all.exact,
        episodes: p.episodes,
        imitated: p.episodesMatched,
      };
    }
    points.push({
      probe,
      step,
      tokens,
      resolved: m.resolved,
      tasks: m.tasks,
      repos: m.repos,
      ci95: m.ci95,
      format_error_rate: m.format_error_rate,
      tokens_per_task: m.tokens_per_task,
    });
    o.log?.(
      `curve ${name}: ${tokens} tokens, ${m.resolved}/${m.rollouts} resolved, format errors ${(100 * m.format_error_rate).toFixed(1)}%`,
    );
  }
  atomicWrite(
    join(o.stageDir, 'curve.jsonl'),
    points.map((p) => `${JSON.stringify(p)}\n`).join(''),
  );
  return points;
}

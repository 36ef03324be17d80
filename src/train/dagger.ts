// On-policy correction (DAgger) inside the real harness: the student acts in the unchanged
// loop and sandbox; at every state it reaches, the privileged expert (expert.ts) says what
// it should do next, and that label is what mid2 trains on. With probability beta a turn is
// led by the expert instead (early in training the student alone rarely reaches useful
// states). Each episode is one file, written atomically, so a killed run resumes.
//
//   DIR/dagger/<task>.json   {format, taskId, beta, trajectory, labels: {messageIndex: label}, grade}
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { runEpisode } from '../gym/env.js';
import type { Grade } from '../gym/grade.js';
import type { GymTask } from '../gym/workspace.js';
import type { Trajectory } from '../harness/trajectory.js';
import type { AssistantMessage } from '../messages.js';
import { estimateUsage } from '../providers/estimate.js';
import type { Model } from '../providers/model.js';
import { Rng } from '../tasks/rng.js';
import { expertMessage } from './expert.js';

export interface DaggerRecord {
  format: 'loopsmith.dagger/1';
  taskId: string;
  beta: number;
  trajectory: Trajectory;
  /** The expert's action at each assistant turn, keyed by the turn's message index. */
  labels: Record<string, AssistantMessage>;
  /** Turns the expert led. */
  expertTurns: number;
  grade: Grade;
}

export interface DaggerOptions {
  outDir: string;
  /** Builds the student for one episode. */
  student: (gt: GymTask, seed: number) => Promise<Model>;
  /** Chance that a turn is played by the expert. @default 0.5 */
  beta: number;
  /** @default 10 */
  maxTurns: number;
  /** @default 'bwrap' */
  sandbox: 'bwrap' | 'none';
  /** @default 2 */
  concurrency: number;
  /** @default 0 */
  seed: number;
  hidePaths?: string[];
  onEpisode?: (done: number, total: number, rec: DaggerRecord) => void;
}

/** A model that asks the expert at every turn and lets it lead with probability beta. */
function mixed(
  gt: GymTask,
  student: Model,
  beta: number,
  rng: Rng,
  rec: { labels: Record<string, AssistantMessage>; expertTurns: number },
): Model {
  return {
    id: `dagger:${student.id}`,
    async complete(req) {
      const index = req.messages.length; // the index the reply will have in the trajectory
      const turn = req.messages.filter((m) => m.role === 'assistant').length;
      const label = expertMessage(gt, req.messages, turn);
      rec.labels[String(index)] = label;
      if (rng.next() < beta) {
        rec.expertTurns++;
        const message = structuredClone(label);
        return {
          message,
          usage: estimateUsage(req.messages, req.tools, message),
          finishReason: 'tool_calls',
        };
      }
      return student.complete(req);
    },
    close: () => student.close?.() ?? Promise.resolve(),
  };
}

/** Runs the missing DAgger episodes of `tasks` (one per task) and returns every record. */
export async function runDagger(
  tasks: GymTask[],
  o: Partial<DaggerOptions> & Pick<DaggerOptions, 'outDir' | 'student'>,
): Promise<DaggerRecord[]> {
  const opt = { beta: 0.5, maxTurns: 10, sandbox: 'bwrap' as const, concurrency: 2, seed: 0, ...o };
  const dir = join(opt.outDir, 'dagger');
  mkdirSync(dir, { recursive: true });
  const todo = tasks.filter((gt) => !existsSync(join(dir, `${gt.task.id}.json`)));
  let next = 0;
  let done = tasks.length - todo.length;
  const worker = async () => {
    while (next < todo.length) {
      const gt = todo[next++];
      const seed = opt.seed * 1_000_003 + next;
      const rec = { labels: {} as Record<string, AssistantMessage>, expertTurns: 0 };
      const model = mixed(gt, await opt.student(gt, seed), opt.beta, new Rng(seed), rec);
      try {
        const ep = await runEpisode(gt, model, {
          sandbox: opt.sandbox,
          agent: { maxTurns: opt.maxTurns },
          hidePaths: opt.hidePaths ?? [],
        });
        const r: DaggerRecord = {
          format: 'loopsmith.dagger/1',
          taskId: gt.task.id,
          beta: opt.beta,
          trajectory: ep.trajectory,
          labels: rec.labels,
          expertTurns: rec.expertTurns,
          grade: ep.grade,
        };
        const p = join(dir, `${gt.task.id}.json`);
        writeFileSync(`${p}.tmp`, JSON.stringify(r));
        renameSync(`${p}.tmp`, p);
        opt.onEpisode?.(++done, tasks.length, r);
      } finally {
        await model.close?.();
      }
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(opt.concurrency, Math.max(1, todo.length)) }, worker),
  );
  return readDagger(opt.outDir);
}

/** Every DAgger record of a directory. */
export function readDagger(outDir: string): DaggerRecord[] {
  const dir = join(outDir, 'dagger');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as DaggerRecord);
}

// Sampling for one RL step's groups: the G rollouts of a task start from the same prompt
// (system prompt + task + workspace overview), so their first turns are one batched call
// (prefill once, decode G rows together) on the shared generation thread; later turns,
// whose prompts differ, are single calls. Seeds derive from the step, the task, the
// rollout and the turn, so a rerun (or a resumed step) samples the same ids.
import { createHash } from 'node:crypto';
import type { GenerateOptions, GenerateResult } from '../lm/generate.js';
import type { GenerationWorker } from '../lm/generate-worker.js';

/** A 30-bit seed from its parts (step seed, task, rollout, turn). */
export const seedOf = (...parts: (string | number)[]) =>
  createHash('sha256').update(parts.join(':')).digest().readUInt32BE(0) & 0x3fffffff;

/** The `generate` hook of the local provider for the rollouts of one step. */
export class GroupSampler {
  private readonly first = new Map<string, Promise<GenerateResult[]>>();

  constructor(
    private readonly worker: GenerationWorker,
    /** Rollouts per task. */
    private readonly G: number,
    private readonly stepSeed: number,
  ) {}

  /** Generation for rollout k of a task: its first turn from the group's batched call. */
  hook(taskId: string, k: number) {
    return async (promptIds: number[], o: GenerateOptions, turn: number) => {
      await this.worker.syncWeights();
      if (turn === 0 && k < this.G) {
        // Sequence i of a group samples with seed + i: one base per task.
        const base = seedOf(this.stepSeed, taskId);
        const key = `${taskId}:${o.maxTokens}:${promptIds.join(',')}`;
        let batch = this.first.get(key);
        if (!batch) {
          batch = this.worker.generateGroup(promptIds, this.G, { ...o, seed: base });
          this.first.set(key, batch);
        }
        return (await batch)[k];
      }
      return this.worker.generate(promptIds, {
        ...o,
        seed: seedOf(this.stepSeed, taskId, k, turn),
      });
    };
  }
}

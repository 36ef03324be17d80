// Teacher starts for RL (a reverse curriculum): a train rollout may begin with the teacher's
// own first turns of that task replayed through the unchanged harness (its calls run for real
// in the rollout's sandbox, so the policy sees real outputs), and the policy takes over at the
// teacher's first edit, or `back` turns before it. A policy that cannot yet find the bug but
// can sometimes fix it then gets rewards to learn from, where from the first turn every group
// is all zeros (dev/LOG.md "strict calls"). Only the policy's own calls carry token ids, so
// only they are trained on; the replayed turns are prompt. Held-out rollouts never start
// this way: the resolved rate that picks the best checkpoint is always from the first turn.
import { readRecords } from '../gym/rollout.js';
import type { AssistantMessage } from '../messages.js';
import type { CompletionRequest, CompletionResponse, Model } from '../providers/model.js';
import { StageInputError } from './stage.js';

/** Tools whose call changes the workspace: the policy takes over at the first of them. */
const EDITS = new Set(['edit', 'write']);

/**
 * The teacher's turns the policy starts after: those before its first edit, less the last
 * `back`. Null when the trajectory never edits (nothing to start from).
 */
export function startPrefix(
  messages: readonly { role: string }[],
  back: number,
): AssistantMessage[] | null {
  const turns = messages.filter((m): m is AssistantMessage => m.role === 'assistant');
  const at = turns.findIndex((m) => m.tool_calls?.some((c) => EDITS.has(c.function.name)));
  if (at < 0) return null;
  return turns.slice(0, Math.max(0, at - back));
}

/**
 * Whether a task's group starts after the teacher's turns at this step: a hash of (seed,
 * task, step) below `fraction`, so a resumed step makes the same choice and a task is
 * sometimes started each way across steps.
 */
export function fromTeacher(taskId: string, step: number, seed: number, fraction: number): boolean {
  if (fraction >= 1) return true;
  if (fraction <= 0) return false;
  let h = 0x811c9dc5;
  for (const ch of `${seed}:${step}:${taskId}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // FNV-1a alone leaves keys that differ in their last characters close together: a
  // finalizer (murmur3's) spreads them over the whole range.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h / 0x1_0000_0000 < fraction;
}

/** Per train task, the prefix of a resolved teacher rollout in `runDir` (the first one). */
export async function teacherStarts(
  runDir: string,
  back: number,
): Promise<Map<string, AssistantMessage[]>> {
  if (!(Number.isInteger(back) && back >= 0))
    throw new StageInputError(`--teacher-back must be an integer >= 0, got ${back}`);
  let recs: Awaited<ReturnType<typeof readRecords>>;
  try {
    recs = await readRecords(runDir);
  } catch (e) {
    throw new StageInputError(`--teacher-start ${(e as Error).message}`);
  }
  const out = new Map<string, AssistantMessage[]>();
  for (const r of recs) {
    if (!r.grade.resolved || out.has(r.taskId)) continue;
    const p = startPrefix(r.trajectory.messages, back);
    if (p) out.set(r.taskId, p);
  }
  if (out.size === 0)
    throw new StageInputError(
      `--teacher-start ${runDir}: no resolved teacher rollout that edits a file`,
    );
  return out;
}

/**
 * A model that answers its first calls with the teacher's turns, then is `inner`. The
 * replayed turns report no usage (the policy did not write them) and no token ids.
 */
export function startedModel(prefix: readonly AssistantMessage[], inner: Model): Model {
  let next = 0;
  return {
    id: inner.id,
    ...(inner.contextWindow !== undefined ? { contextWindow: inner.contextWindow } : {}),
    async complete(request: CompletionRequest): Promise<CompletionResponse> {
      if (next >= prefix.length) return inner.complete(request);
      const message = structuredClone(prefix[next++]);
      return {
        message,
        usage: { promptTokens: 0, completionTokens: 0, estimated: true },
        finishReason: message.tool_calls?.length ? 'tool_calls' : 'stop',
      };
    },
    close: async () => {
      await inner.close?.();
    },
  };
}

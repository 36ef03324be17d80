// Trajectories -> conversations the trainer packs: rendered by the one chat template (the
// bytes the local provider will send), sampled ids kept as sampled, with a loss mask on
// assistant tokens ('assistant') or on every token ('all', midtraining's transcripts).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RolloutRecord } from '../gym/rollout.js';
import { segments, type Trajectory } from '../harness/trajectory.js';
import { ChatTemplate } from '../lm/template.js';
import type { Tokenizer } from '../lm/tokenizer.js';
import type { Conversation } from './packing.js';
import { StageInputError } from './stage.js';

export type LossOn = 'assistant' | 'all';

/** One trajectory as a conversation. */
export function trajectoryToConversation(
  t: Trajectory,
  tokenizer: Tokenizer,
  lossOn: LossOn,
): Conversation {
  const tpl = new ChatTemplate(tokenizer);
  // After a compaction, only the last segment's turns index into t.messages.
  const sampled = new Map(
    (segments(t).at(-1)?.turns ?? [])
      .filter((x) => x.tokens)
      .map((x) => [x.messageIndex, x.tokens?.completionIds as number[]]),
  );
  const { ids, mask } = tpl.renderChat(t.messages, t.tools, {
    assistantIds: (_m, i) => sampled.get(i),
  });
  return { ids, mask: lossOn === 'all' ? ids.map((_, i) => (i === 0 ? 0 : 1)) : mask };
}

/**
 * Rollout records of run directories, read strictly: a line or file that does not parse is
 * an error naming it (a silently skipped record would change what a stage trains on).
 */
export function readRuns(dirs: string[]): RolloutRecord[] {
  const out: RolloutRecord[] = [];
  for (const dir of dirs) {
    const root = join(dir, 'rollouts');
    if (!existsSync(root))
      throw new StageInputError(`${dir}: not a rollout run directory (no rollouts/)`);
    for (const task of readdirSync(root).sort())
      for (const f of readdirSync(join(root, task))
        .filter((x) => /^\d+\.json$/.test(x))
        .sort()) {
        const p = join(root, task, f);
        let rec: RolloutRecord;
        try {
          rec = JSON.parse(readFileSync(p, 'utf8')) as RolloutRecord;
        } catch (e) {
          throw new StageInputError(`${p}: not valid JSON (${(e as Error).message})`);
        }
        if (rec.format !== 'loopsmith.rollout/1')
          throw new StageInputError(`${p}: not a loopsmith rollout record`);
        out.push(rec);
      }
  }
  return out;
}

/** Reads a JSONL file of trajectories (`{trajectory}` or bare), naming the line that fails. */
export function readTrajectoryJsonl(path: string): Trajectory[] {
  if (!existsSync(path)) throw new StageInputError(`${path}: no such file`);
  const out: Trajectory[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      let v: { trajectory?: Trajectory } & Partial<Trajectory>;
      try {
        v = JSON.parse(line);
      } catch (e) {
        throw new StageInputError(`${path}:${i + 1}: not valid JSON (${(e as Error).message})`);
      }
      const t = (v.trajectory ?? v) as Trajectory;
      if (!Array.isArray(t.messages)) throw new StageInputError(`${path}:${i + 1}: no messages`);
      out.push(t);
    });
  return out;
}

/**
 * DAgger rows: for every labelled turn, the conversation as the student saw it up to that
 * turn followed by the expert's label; only the label's tokens are learned.
 */
export function labelConversations(
  t: Trajectory,
  labels: Record<string, import('../messages.js').AssistantMessage>,
  tokenizer: Tokenizer,
): Conversation[] {
  const tpl = new ChatTemplate(tokenizer);
  const out: Conversation[] = [];
  for (const [at, label] of Object.entries(labels)) {
    const prompt = tpl.renderPrompt(t.messages.slice(0, Number(at)), t.tools);
    const body = tpl.assistantBody(label);
    out.push({ ids: [...prompt, ...body], mask: [...prompt.map(() => 0), ...body.map(() => 1)] });
  }
  return out;
}

/** Rollout records as keyed conversations (`task:k`), as mid2 and midtrain train on them. */
export function recordConversations(
  records: RolloutRecord[],
  tokenizer: Tokenizer,
  lossOn: LossOn,
): (Conversation & { key: string })[] {
  return records.map((r) => ({
    key: `${r.taskId}:${r.k}`,
    ...trajectoryToConversation(r.trajectory, tokenizer, lossOn),
  }));
}

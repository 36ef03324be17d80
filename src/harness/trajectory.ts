// The trajectory is the message history exactly as sent to the model, plus bookkeeping
// (usage, timings, token ids, ending, diff) kept beside it, never inside the messages.
import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import type { Message, ToolSchema } from '../messages.js';
import type { TokenRecord, Usage } from '../providers/model.js';
import { insideRoot, safeWriteFile } from '../sandbox/safe-fs.js';
import type { UsageTotals } from './events.js';
import type { RunStatus } from './status.js';

export interface ToolRecord {
  id: string;
  name: string;
  ms: number;
  isError: boolean;
  formatError: boolean;
  exitCode?: number | null;
  truncated?: boolean;
  timedOut?: boolean;
}

export interface TurnRecord {
  turn: number;
  /**
   * Index of the assistant message this turn produced, in the messages of the turn's
   * segment: `messages` itself unless a compaction came later (see `segments`).
   */
  messageIndex: number;
  usage: Usage;
  modelMs: number;
  finishReason?: string;
  tools: ToolRecord[];
  /** Exact prompt/completion token ids and logprobs, when the model reports them. */
  tokens?: TokenRecord;
}

export interface Trajectory {
  format: 'loopsmith.trajectory/1';
  id: string;
  createdAt: string;
  loopsmithVersion: string;
  model: string;
  task: string;
  repo: string;
  sandbox: string;
  tools: ToolSchema[];
  messages: Message[];
  turns: TurnRecord[];
  status: RunStatus | 'running';
  exitCode: number | null;
  /** Why the run ended, in words (limit hit, provider error ...). */
  message?: string;
  summary?: string;
  usage: UsageTotals;
  durationMs: number;
  /** Unified diff of the workspace at the end against its starting state. */
  diff: string;
  /**
   * Each time the context was shortened: the conversation as it was before (what the turns
   * since the previous compaction saw), oldest first. Absent when it never happened.
   */
  compactions?: Compaction[];
  /** Free-form facts from the caller (task id, seed, config); never sent to the model. */
  extra?: Record<string, unknown>;
}

/** The context was shortened after turn `afterTurn`: old tool outputs elided, or earlier turns summarised. */
export interface Compaction {
  afterTurn: number;
  kind: 'elide' | 'summary';
  /** The message list before the compaction, exactly as the turns up to `afterTurn` saw it. */
  messages: Message[];
  /**
   * How many messages at the start of the new list stand for the history before it (all of
   * them for an elision; system, task + summary and the kept last exchange for a summary):
   * the ones after are new. Readers that show one chronological history start there.
   */
  carried: number;
  /** Estimated prompt tokens before and after. */
  tokensBefore: number;
  tokensAfter: number;
  /** What the summary call itself cost (kind `summary`). */
  usage?: Usage;
}

/** One unbroken conversation: turns whose prompts extend each other token for token. */
export interface Segment {
  messages: Message[];
  turns: TurnRecord[];
}

/**
 * The trajectory cut at its compactions: each segment's turns index into that segment's
 * messages. Dataset rows are built per segment (a compaction breaks the token prefix).
 */
export function segments(t: Pick<Trajectory, 'messages' | 'turns' | 'compactions'>): Segment[] {
  const out: Segment[] = [];
  let from = 0;
  for (const c of t.compactions ?? []) {
    out.push({
      messages: c.messages,
      turns: t.turns.filter((x) => x.turn > from && x.turn <= c.afterTurn),
    });
    from = c.afterTurn;
  }
  out.push({ messages: t.messages, turns: t.turns.filter((x) => x.turn > from) });
  return out;
}

/** A fresh, empty trajectory. */
export function newTrajectory(
  init: Pick<Trajectory, 'loopsmithVersion' | 'model' | 'task' | 'repo' | 'sandbox' | 'tools'> & {
    extra?: Record<string, unknown>;
  },
): Trajectory {
  return {
    format: 'loopsmith.trajectory/1',
    id: randomUUID(),
    createdAt: new Date().toISOString(),
    ...init,
    messages: [],
    turns: [],
    status: 'running',
    exitCode: null,
    usage: {
      promptTokens: 0,
      completionTokens: 0,
      cachedTokens: 0,
      totalTokens: 0,
      estimated: false,
    },
    durationMs: 0,
    diff: '',
  };
}

/**
 * Writes the trajectory atomically (temp file + rename): a kill mid-write leaves the old file
 * whole. A path inside `within` (the agent's workspace) is written without following any
 * link the agent may have planted there (src/sandbox/safe-fs.ts).
 */
export async function saveTrajectory(
  path: string,
  trajectory: Trajectory,
  within?: string,
): Promise<void> {
  const rel = within ? insideRoot(within, resolve(path)) : null;
  if (within && rel !== null)
    // Links planted in the harness's own `.loopsmith/` are removed; elsewhere they are refused.
    return safeWriteFile(within, rel, JSON.stringify(trajectory), {
      replaceDirs: rel.split(sep)[0] === '.loopsmith',
    });
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(trajectory));
  await rename(tmp, path);
}

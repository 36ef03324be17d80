// The trajectory is the message history exactly as sent to the model, plus bookkeeping
// (usage, timings, token ids, ending, diff) kept beside it, never inside the messages.
import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { TokenRecord, Usage } from '../providers/model.js';
import type { UsageTotals } from './events.js';
import type { Message, ToolSchema } from '../messages.js';
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
  /** Index in `messages` of the assistant message this turn produced. */
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
  /** Free-form facts from the caller (task id, seed, config); never sent to the model. */
  extra?: Record<string, unknown>;
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

/** Writes the trajectory atomically (temp file + rename): a kill mid-write leaves the old file whole. */
export async function saveTrajectory(path: string, trajectory: Trajectory): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(trajectory));
  await rename(tmp, path);
}

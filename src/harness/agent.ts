// One headless episode: a session with one message, then closed. Production (`loopsmith
// run`), evaluation and training (the gym) all call this, so they run the one loop in
// ./session.ts with the same tools, prompt and trajectory.
import type { Model } from '../providers/model.js';
import type { Sandbox } from '../sandbox/types.js';
import type { EventSink } from './events.js';
import { Session, type SessionOptions } from './session.js';
import type { Tool } from './tool.js';
import type { Trajectory } from './trajectory.js';

export interface AgentOptions {
  /** Turns per send (a headless run is one send). @default 50 */
  maxTurns: number;
  /** Budget on prompt + completion tokens summed over the turns of a send. @default 2_000_000 */
  maxTokens: number;
  /** Wall-clock limit for a send, in milliseconds. @default 1_800_000 (30 min) */
  timeoutMs: number;
  /** Consecutive malformed tool calls (or replies with none) before giving up. @default 3 */
  maxFormatErrors: number;
  /** Where to save the trajectory after every turn; none when unset. */
  trajectoryPath?: string;
  tools?: Tool[];
  systemPrompt?: string;
  onEvent?: EventSink;
  /** Copied into the trajectory; never sent to the model. */
  extra?: Record<string, unknown>;
}

export const DEFAULT_AGENT_OPTIONS: AgentOptions = {
  maxTurns: 50,
  maxTokens: 2_000_000,
  timeoutMs: 1_800_000,
  maxFormatErrors: 3,
};

/** Runs one episode of `task` in the sandbox's workspace and returns its trajectory. */
export async function runAgent(
  task: string,
  model: Model,
  sandbox: Sandbox,
  opts: Partial<SessionOptions> & { signal?: AbortSignal } = {},
): Promise<Trajectory> {
  const session = await Session.start(model, sandbox, { task, ...opts });
  await session.send(task, { signal: opts.signal });
  return session.close();
}

// The agent loop: system prompt + task -> model -> tool calls -> observations -> ... until
// the model calls `finish` or a limit ends the run. Every way out is a typed Interrupt;
// the trajectory is the message list exactly as sent, saved after every turn.
import { join } from 'node:path';
import type { Model } from '../providers/model.js';
import { ModelError } from '../providers/model.js';
import type { Sandbox } from '../sandbox/types.js';
import { VERSION } from '../version.js';
import type { AgentEvent, EventSink, UsageTotals } from './events.js';
import type { ToolCall } from '../messages.js';
import { DEFAULT_CONTEXT, firstUserMessage, SYSTEM_PROMPT } from './prompt.js';
import { snapshotWorkspace } from './snapshot.js';
import { EXIT_CODES, Interrupt } from './status.js';
import type { Tool, ToolContext } from './tool.js';
import { defaultTools, runToolCall, toolSchemas } from './tools/index.js';
import { newTrajectory, saveTrajectory, type ToolRecord, type Trajectory } from './trajectory.js';

export interface AgentOptions {
  /** @default 50 */
  maxTurns: number;
  /** Budget on prompt + completion tokens summed over all turns. @default 2_000_000 */
  maxTokens: number;
  /** Wall-clock limit for the whole run, in milliseconds. @default 1_800_000 (30 min) */
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

const NO_TOOL_CALL =
  'Error: no tool call in your reply. Call one of the tools; call finish when the task is done.';

/** Runs one episode of `task` in the sandbox's workspace and returns its trajectory. */
export async function runAgent(
  task: string,
  model: Model,
  sandbox: Sandbox,
  opts: Partial<AgentOptions> = {},
): Promise<Trajectory> {
  const o = { ...DEFAULT_AGENT_OPTIONS, ...opts };
  const tools = o.tools ?? defaultTools();
  const emit = (e: AgentEvent) => o.onEvent?.(e);
  const started = Date.now();
  const timer = new AbortController();
  const deadline = setTimeout(
    () => timer.abort(new Interrupt('time_limit', `time limit of ${o.timeoutMs / 1000}s reached`)),
    o.timeoutMs,
  );
  const ctx: ToolContext = {
    root: sandbox.root,
    sandbox,
    spillDir: join(sandbox.root, '.loopsmith', 'out'),
    signal: timer.signal,
  };
  const t = newTrajectory({
    loopsmithVersion: VERSION,
    model: model.id,
    task,
    repo: sandbox.root,
    sandbox: sandbox.kind,
    tools: toolSchemas(tools),
    extra: o.extra,
  });
  const save = () =>
    o.trajectoryPath
      ? saveTrajectory(o.trajectoryPath, { ...t, durationMs: Date.now() - started })
      : Promise.resolve();
  const snapshot = await snapshotWorkspace(sandbox.root);
  emit({
    type: 'session.started',
    id: t.id,
    model: model.id,
    repo: sandbox.root,
    sandbox: sandbox.kind,
    task,
  });

  try {
    t.messages.push({ role: 'system', content: o.systemPrompt ?? SYSTEM_PROMPT });
    t.messages.push({
      role: 'user',
      content: await firstUserMessage(task, tools, ctx, DEFAULT_CONTEXT),
    });
    let formatErrors = 0;
    for (let turn = 1; ; turn++) {
      if (turn > o.maxTurns)
        throw new Interrupt('turn_limit', `turn limit of ${o.maxTurns} reached`);
      emit({ type: 'turn.started', turn });
      const t0 = Date.now();
      const res = await withAbort(
        model.complete({ messages: t.messages, tools: t.tools, signal: timer.signal }),
        timer.signal,
      );
      const message = {
        role: 'assistant' as const,
        content: res.message.content ?? null,
        ...(res.message.tool_calls?.length ? { tool_calls: res.message.tool_calls } : {}),
      };
      t.messages.push(message);
      const record: ToolRecord[] = [];
      t.turns.push({
        turn,
        messageIndex: t.messages.length - 1,
        usage: res.usage,
        modelMs: Date.now() - t0,
        finishReason: res.finishReason,
        tools: record,
        ...(res.tokens ? { tokens: res.tokens } : {}),
      });
      addUsage(t.usage, res.usage);
      emit({
        type: 'model.response',
        turn,
        usage: res.usage,
        ms: Date.now() - t0,
        text: message.content,
        toolCalls: message.tool_calls?.length ?? 0,
      });

      const calls = message.tool_calls ?? [];
      if (calls.length === 0) {
        t.messages.push({ role: 'user', content: NO_TOOL_CALL });
        formatErrors++;
      }
      let finished: string | undefined;
      for (const call of calls) {
        if (finished !== undefined) {
          t.messages.push({
            role: 'tool',
            tool_call_id: call.id,
            content: 'Not run: finish ended the task.',
          });
          continue;
        }
        const r = await runOne(call, tools, ctx, turn, emit);
        t.messages.push({ role: 'tool', tool_call_id: call.id, content: r.content });
        record.push(r.record);
        formatErrors = r.record.formatError ? formatErrors + 1 : 0;
        if (r.finish !== undefined) finished = r.finish;
      }
      await save(); // before turn.completed, so a consumer of the event finds the turn on disk
      emit({ type: 'turn.completed', turn, usage: { ...t.usage } });
      if (finished !== undefined) {
        t.summary = finished;
        throw new Interrupt('submitted', 'finished');
      }
      if (t.usage.totalTokens > o.maxTokens)
        throw new Interrupt(
          'token_limit',
          `token budget of ${o.maxTokens} spent (${t.usage.totalTokens})`,
        );
      if (formatErrors >= o.maxFormatErrors)
        throw new Interrupt('format_errors', `${formatErrors} malformed replies in a row`);
    }
  } catch (err) {
    const why =
      timer.signal.aborted && timer.signal.reason instanceof Interrupt ? timer.signal.reason : err;
    if (why instanceof Interrupt) {
      t.status = why.status;
      if (why.status !== 'submitted') t.message = why.message;
    } else {
      t.status = 'error';
      t.message =
        why instanceof ModelError
          ? `model error: ${why.message}`
          : `internal error: ${(why as Error)?.stack ?? String(why)}`;
    }
  } finally {
    clearTimeout(deadline);
  }
  t.exitCode = EXIT_CODES[t.status as keyof typeof EXIT_CODES];
  t.diff = await snapshot.diff().catch((e) => `(diff failed: ${(e as Error).message})`);
  await snapshot.dispose();
  t.durationMs = Date.now() - started;
  await save();
  emit({
    type: 'session.completed',
    status: t.status as keyof typeof EXIT_CODES,
    exitCode: t.exitCode,
    usage: { ...t.usage },
    turns: t.turns.length,
    ms: t.durationMs,
    message: t.message,
    summary: t.summary,
    trajectory: o.trajectoryPath,
  });
  return t;
}

async function runOne(
  call: ToolCall,
  tools: Tool[],
  ctx: ToolContext,
  turn: number,
  emit: (e: AgentEvent) => void,
) {
  emit({
    type: 'tool.started',
    turn,
    id: call.id,
    name: call.function.name,
    arguments: call.function.arguments,
  });
  const t0 = Date.now();
  const r = await runToolCall(tools, call, ctx);
  const ms = Date.now() - t0;
  const formatError = Boolean(r.formatError);
  const record: ToolRecord = {
    id: call.id,
    name: call.function.name,
    ms,
    isError: Boolean(r.isError) || formatError,
    formatError,
    exitCode: r.meta?.exitCode,
    truncated: r.meta?.truncated,
    timedOut: r.meta?.timedOut,
  };
  emit({
    type: 'tool.completed',
    turn,
    id: call.id,
    name: call.function.name,
    ms,
    isError: record.isError,
    formatError,
    exitCode: r.meta?.exitCode,
    truncated: Boolean(r.meta?.truncated),
    output: r.output,
  });
  return { content: r.output, record, finish: r.finish?.summary };
}

function addUsage(
  total: UsageTotals,
  u: { promptTokens: number; completionTokens: number; cachedTokens?: number; estimated: boolean },
) {
  total.promptTokens += u.promptTokens;
  total.completionTokens += u.completionTokens;
  total.cachedTokens += u.cachedTokens ?? 0;
  total.totalTokens = total.promptTokens + total.completionTokens;
  total.estimated ||= u.estimated;
}

// A provider that ignores the abort signal must not outlive the time limit.
function withAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

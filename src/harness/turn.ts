// One step of a turn, outside the loop's file so the loop reads top to bottom: a tool call
// run (through the approval gate) with its events and record, usage sums, and the abort race.
import type { ToolCall } from '../messages.js';
import type { ApprovalGate } from './approval.js';
import type { AgentEvent, UsageTotals } from './events.js';
import type { Tool, ToolContext } from './tool.js';
import { runToolCall } from './tools/index.js';
import type { ToolRecord } from './trajectory.js';

/** Runs one tool call (after approval, when it needs one), with its events and record. */
export async function runOne(
  call: ToolCall,
  tools: Tool[],
  ctx: ToolContext,
  approvals: ApprovalGate,
  turn: number,
  emit: (e: AgentEvent) => void,
) {
  const name = call.function.name;
  emit({
    type: 'tool.started',
    turn,
    id: call.id,
    name,
    arguments: call.function.arguments,
  });
  const t0 = Date.now();
  let r: Awaited<ReturnType<typeof runToolCall>>;
  const command = name === 'bash' ? commandOf(call.function.arguments) : undefined;
  const gate =
    command === undefined
      ? { sandbox: ctx.sandbox }
      : await approvals.check(command, turn, call.id);
  if ('declined' in gate) r = { output: gate.declined, isError: true, meta: { declined: true } };
  else r = await runToolCall(tools, call, { ...ctx, sandbox: gate.sandbox });
  const ms = Date.now() - t0;
  const formatError = Boolean(r.formatError);
  const record: ToolRecord = {
    id: call.id,
    name,
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
    name,
    ms,
    isError: record.isError,
    formatError,
    exitCode: r.meta?.exitCode,
    truncated: Boolean(r.meta?.truncated),
    output: r.output,
  });
  return { content: r.output, record, finish: r.finish?.summary };
}

/** The command of a bash call, when its arguments parse (else the tool reports the format error). */
function commandOf(args: string): string | undefined {
  try {
    const v = JSON.parse(args) as { command?: unknown };
    return typeof v?.command === 'string' ? v.command : undefined;
  } catch {
    return undefined;
  }
}

export function addUsage(
  total: UsageTotals,
  u: { promptTokens: number; completionTokens: number; cachedTokens?: number; estimated: boolean },
) {
  total.promptTokens += u.promptTokens;
  total.completionTokens += u.completionTokens;
  total.cachedTokens += u.cachedTokens ?? 0;
  total.totalTokens = total.promptTokens + total.completionTokens;
  total.estimated ||= u.estimated;
}

// A provider that ignores the abort signal must not outlive the time limit or a cancel.
export function withAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

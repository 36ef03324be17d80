// Export of a native trajectory to ATIF v1.4 (Agent Trajectory Interchange Format), the
// interchange shape other tools (Harbor, viewers, SFT converters) read.
import { type Segment, segments, type Trajectory } from './trajectory.js';

export interface AtifToolCall {
  tool_call_id: string;
  function_name: string;
  arguments: Record<string, unknown>;
}
export interface AtifStep {
  step_id: number;
  source: 'system' | 'user' | 'agent';
  message: string;
  model_name?: string;
  tool_calls?: AtifToolCall[];
  observation?: { results: { source_call_id: string | null; content: string }[] };
  metrics?: {
    prompt_tokens?: number;
    completion_tokens?: number;
    cached_tokens?: number;
    prompt_token_ids?: number[];
    completion_token_ids?: number[];
    logprobs?: number[];
  };
}
export interface AtifTrajectory {
  schema_version: 'ATIF-v1.4';
  session_id: string;
  agent: { name: string; version: string; model_name: string };
  steps: AtifStep[];
  notes?: string;
  final_metrics: {
    total_prompt_tokens: number;
    total_completion_tokens: number;
    total_cached_tokens: number;
    total_steps: number;
  };
  extra?: Record<string, unknown>;
}

// Arguments a model wrote as invalid JSON are kept verbatim under `_raw` so nothing is lost.
function parseArgs(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? v : { _raw: text };
  } catch {
    return { _raw: text };
  }
}

/** Converts the native record to ATIF: agent turns carry their tool calls and the observations that answered them. */
export function toAtif(t: Trajectory): AtifTrajectory {
  const steps: AtifStep[] = [];
  // One chronological history across compactions: each later segment from its new messages
  // on, after a step saying what was compacted (a summary's text is what the model saw next).
  segments(t).forEach((seg, k) => {
    const c = k > 0 ? t.compactions?.[k - 1] : undefined;
    if (c)
      steps.push({
        step_id: steps.length + 1,
        source: 'system',
        message:
          c.kind === 'summary'
            ? `context compacted (summary):\n${seg.messages[1]?.content ?? ''}`
            : 'context compacted (old tool outputs elided)',
      });
    addSteps(t, seg, c?.carried ?? 0, steps);
  });
  return {
    schema_version: 'ATIF-v1.4',
    session_id: t.id,
    agent: { name: 'loopsmith', version: t.loopsmithVersion, model_name: t.model },
    steps,
    notes: `status=${t.status}${t.message ? `: ${t.message}` : ''}`,
    final_metrics: {
      total_prompt_tokens: t.usage.promptTokens,
      total_completion_tokens: t.usage.completionTokens,
      total_cached_tokens: t.usage.cachedTokens,
      total_steps: steps.length,
    },
    extra: { status: t.status, exit_code: t.exitCode, diff: t.diff, task: t.task },
  };
}

function addSteps(t: Trajectory, seg: Segment, from: number, steps: AtifStep[]): void {
  const turnByMessage = new Map(seg.turns.map((turn) => [turn.messageIndex, turn]));
  let current: AtifStep | undefined;
  seg.messages.forEach((m, i) => {
    if (i < from) return;
    if (m.role === 'tool') {
      const target = current ?? steps[steps.length - 1];
      if (!target) return;
      target.observation ??= { results: [] };
      target.observation.results.push({ source_call_id: m.tool_call_id, content: m.content });
      return;
    }
    const step: AtifStep = {
      step_id: steps.length + 1,
      source: m.role === 'assistant' ? 'agent' : m.role,
      message: m.content ?? '',
    };
    if (m.role === 'assistant') {
      step.model_name = t.model;
      if (m.tool_calls?.length) {
        step.tool_calls = m.tool_calls.map((c) => ({
          tool_call_id: c.id,
          function_name: c.function.name,
          arguments: parseArgs(c.function.arguments),
        }));
      }
      const turn = turnByMessage.get(i);
      if (turn) {
        step.metrics = {
          prompt_tokens: turn.usage.promptTokens,
          completion_tokens: turn.usage.completionTokens,
          cached_tokens: turn.usage.cachedTokens ?? 0,
          ...(turn.tokens
            ? {
                prompt_token_ids: turn.tokens.promptIds,
                completion_token_ids: turn.tokens.completionIds,
                ...(turn.tokens.logprobs ? { logprobs: turn.tokens.logprobs } : {}),
              }
            : {}),
        };
      }
      current = step;
    } else {
      current = undefined;
    }
    steps.push(step);
  });
}

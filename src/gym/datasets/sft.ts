// SFT rows from rollout records, in the shapes trainers read (REFERENCE.md, "SFT formats"):
// TRL conversational (messages + tools; assistant tool_calls, role "tool"), OpenAI
// fine-tuning JSONL (arguments as JSON strings, per-message weight 0/1), and sharegpt
// (LLaMA-Factory: human / gpt / function_call / observation, system and tools beside).
import type { Message, ToolCall } from '../../messages.js';
import type { RolloutRecord } from '../rollout.js';

export type SftFormat = 'trl' | 'openai' | 'sharegpt';

// Arguments the model wrote that are not JSON stay text: trainers get exactly what was said.
const parseArgs = (s: string): unknown => {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
};

/** Indices of assistant messages whose tool calls were malformed (not trained on). */
function badAssistantTurns(rec: RolloutRecord): Set<number> {
  return new Set(
    rec.trajectory.turns
      .filter((t) => t.tools.some((x) => x.formatError))
      .map((t) => t.messageIndex),
  );
}

/** TRL: `{messages, tools}`; tool-call arguments as objects (what HF chat templates expect). */
export function toTrl(rec: RolloutRecord): Record<string, unknown> {
  const names = new Map<string, string>();
  const messages = rec.trajectory.messages.map((m) => {
    if (m.role === 'assistant') {
      for (const c of m.tool_calls ?? []) names.set(c.id, c.function.name);
      return {
        role: 'assistant',
        content: m.content ?? '',
        ...(m.tool_calls?.length
          ? {
              tool_calls: m.tool_calls.map((c) => ({
                id: c.id,
                type: 'function',
                function: { name: c.function.name, arguments: parseArgs(c.function.arguments) },
              })),
            }
          : {}),
      };
    }
    if (m.role === 'tool')
      return {
        role: 'tool',
        tool_call_id: m.tool_call_id,
        name: names.get(m.tool_call_id) ?? '',
        content: m.content,
      };
    return { role: m.role, content: m.content };
  });
  return { messages, tools: rec.trajectory.tools };
}

/** OpenAI fine-tuning: arguments as strings; weight 1 on assistant turns, 0 on malformed ones. */
export function toOpenAI(rec: RolloutRecord): Record<string, unknown> {
  const bad = badAssistantTurns(rec);
  const messages = rec.trajectory.messages.map((m, i) => {
    if (m.role === 'assistant') {
      return {
        role: 'assistant',
        content: m.content,
        ...(m.tool_calls?.length
          ? {
              tool_calls: m.tool_calls.map((c: ToolCall) => ({
                id: c.id,
                type: 'function',
                function: { name: c.function.name, arguments: c.function.arguments },
              })),
            }
          : {}),
        weight: bad.has(i) ? 0 : 1,
      };
    }
    if (m.role === 'tool')
      return { role: 'tool', tool_call_id: m.tool_call_id, content: m.content };
    return { role: m.role, content: m.content };
  });
  return { messages, tools: rec.trajectory.tools, parallel_tool_calls: false };
}

/**
 * sharegpt (LLaMA-Factory): `{conversations, system, tools}` with tools as a JSON string.
 * An assistant turn with tool calls becomes one function_call (a list when several) and its
 * results one observation; its free text, if any, goes first as a gpt turn would break the
 * strict alternation, so it is kept inside the function_call value as "thought".
 */
export function toShareGpt(rec: RolloutRecord): Record<string, unknown> {
  const msgs = rec.trajectory.messages;
  const system = msgs
    .filter((m) => m.role === 'system')
    .map((m) => m.content)
    .join('\n');
  const conversations: { from: string; value: string }[] = [];
  let pending: string[] = [];
  const flush = () => {
    if (pending.length)
      conversations.push({
        from: 'observation',
        value: pending.length === 1 ? pending[0] : JSON.stringify(pending),
      });
    pending = [];
  };
  for (const m of msgs as Message[]) {
    if (m.role === 'system') continue;
    if (m.role === 'tool') {
      pending.push(m.content);
      continue;
    }
    flush();
    if (m.role === 'user') conversations.push({ from: 'human', value: m.content });
    else if (m.tool_calls?.length) {
      const calls = m.tool_calls.map((c) => ({
        name: c.function.name,
        arguments: parseArgs(c.function.arguments),
      }));
      const value = calls.length === 1 ? calls[0] : calls;
      conversations.push({
        from: 'function_call',
        value: JSON.stringify(
          m.content
            ? { thought: m.content, ...(Array.isArray(value) ? { calls: value } : value) }
            : value,
        ),
      });
    } else conversations.push({ from: 'gpt', value: m.content ?? '' });
  }
  flush();
  return {
    conversations,
    system,
    tools: JSON.stringify(rec.trajectory.tools.map((t) => t.function)),
  };
}

/** One JSONL row per record in the chosen format. */
export function sftRow(rec: RolloutRecord, format: SftFormat): Record<string, unknown> {
  if (format === 'trl') return toTrl(rec);
  if (format === 'openai') return toOpenAI(rec);
  if (format === 'sharegpt') return toShareGpt(rec);
  throw new Error(`unknown SFT format ${JSON.stringify(format)} (trl, openai, sharegpt or tokens)`);
}

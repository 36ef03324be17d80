// `scripted:PATH` — a JSON file of assistant messages returned one per call, in order.
// Deterministic model for tests, demos and benchmarks of the loop.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { AssistantMessage } from '../messages.js';
import { estimateUsage } from './estimate.js';
import {
  type CompletionRequest,
  type CompletionResponse,
  type Model,
  ModelError,
} from './model.js';
import { issueText } from './zod-issue.js';

const ScriptedToolCall = z.strictObject({
  id: z.string().min(1).optional(),
  type: z.literal('function').optional(),
  function: z.strictObject({
    name: z.string().min(1),
    // The Chat Completions form is a JSON string; an object is accepted for hand-written scripts.
    arguments: z.union([z.string(), z.record(z.string(), z.unknown())]),
  }),
});

const ScriptedMessage = z
  .strictObject({
    role: z.literal('assistant').optional(),
    content: z.string().nullable().optional(),
    tool_calls: z.array(ScriptedToolCall).optional(),
  })
  .refine((m) => typeof m.content === 'string' || (m.tool_calls?.length ?? 0) > 0, {
    message: 'needs `content` or a non-empty `tool_calls`',
  });

const ScriptFile = z.array(ScriptedMessage);

/** Validates parsed script JSON into assistant messages; `source` names it in errors. */
export function parseScript(data: unknown, source: string): AssistantMessage[] {
  const parsed = ScriptFile.safeParse(data);
  if (!parsed.success) {
    throw new ModelError(`scripted model file ${source}: ${issueText(parsed.error.issues[0])}`);
  }
  return parsed.data.map((m, turn) => {
    const message: AssistantMessage = { role: 'assistant', content: m.content ?? null };
    if (m.tool_calls && m.tool_calls.length > 0) {
      message.tool_calls = m.tool_calls.map((c, i) => ({
        // Unique across the conversation, since tool results refer back to these ids.
        id: c.id ?? `call_${turn}_${i}`,
        type: 'function',
        function: {
          name: c.function.name,
          arguments:
            typeof c.function.arguments === 'string'
              ? c.function.arguments
              : JSON.stringify(c.function.arguments),
        },
      }));
    }
    return message;
  });
}

/** A Model that returns `messages` one per call and fails once they run out. */
export function createListModel(
  id: string,
  messages: AssistantMessage[],
  what = 'scripted model',
): Model {
  let next = 0;
  return {
    id,
    async complete(request: CompletionRequest): Promise<CompletionResponse> {
      if (next >= messages.length)
        throw new ModelError(`${what} ran out of messages after ${messages.length} turns`);
      // A copy: the loop may annotate what it gets back.
      const message = structuredClone(messages[next++]);
      const finishReason = message.tool_calls?.length ? 'tool_calls' : 'stop';
      return {
        message,
        usage: estimateUsage(request.messages, request.tools, message),
        finishReason,
      };
    },
  };
}

/** Loads `path` (a JSON array of assistant messages) as a scripted Model with id `scripted:PATH`. */
export async function createScriptedModel(path: string): Promise<Model> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ModelError(
      `scripted model file ${path} cannot be read: ${(err as Error).message}`,
      err,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ModelError(
      `scripted model file ${path} is not valid JSON: ${(err as Error).message}`,
      err,
    );
  }
  return createListModel(`scripted:${path}`, parseScript(data, path));
}

// `replay:TRAJECTORY` — replays the assistant turns of a recorded trajectory (the harness's
// native record) one per call, with the usage recorded for each turn when the record has it.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { AssistantMessage } from '../messages.js';
import { estimateUsage } from './estimate.js';
import {
  type CompletionRequest,
  type CompletionResponse,
  type Model,
  ModelError,
  type Usage,
} from './model.js';
import { issueText } from './zod-issue.js';

const ToolCall = z.object({
  id: z.string(),
  type: z.literal('function'),
  function: z.object({ name: z.string(), arguments: z.string() }),
});
const Assistant = z.object({
  role: z.literal('assistant'),
  content: z.string().nullable(),
  tool_calls: z.array(ToolCall).optional(),
});
const TrajectoryRecord = z.object({
  messages: z.array(z.looseObject({ role: z.string() })),
  turns: z
    .array(
      z.looseObject({
        messageIndex: z.number().int(),
        usage: z.object({
          promptTokens: z.number(),
          completionTokens: z.number(),
          cachedTokens: z.number().optional(),
          estimated: z.boolean(),
        }),
        finishReason: z.string().optional(),
      }),
    )
    .optional(),
});

interface ReplayTurn {
  message: AssistantMessage;
  usage?: Usage;
  finishReason?: string;
}

/** Extracts the assistant turns of a parsed trajectory; `source` names it in errors. */
export function replayTurns(data: unknown, source: string): ReplayTurn[] {
  const parsed = TrajectoryRecord.safeParse(data);
  if (!parsed.success)
    throw new ModelError(`replay trajectory ${source}: ${issueText(parsed.error.issues[0])}`);
  const byIndex = new Map((parsed.data.turns ?? []).map((t) => [t.messageIndex, t]));
  const turns: ReplayTurn[] = [];
  parsed.data.messages.forEach((m, i) => {
    if (m.role !== 'assistant') return;
    const a = Assistant.safeParse(m);
    if (!a.success)
      throw new ModelError(
        `replay trajectory ${source}: messages[${i}]: ${issueText(a.error.issues[0])}`,
      );
    const message: AssistantMessage = { role: 'assistant', content: a.data.content };
    if (a.data.tool_calls) message.tool_calls = a.data.tool_calls;
    const turn = byIndex.get(i);
    turns.push({
      message,
      ...(turn ? { usage: turn.usage } : {}),
      ...(turn?.finishReason ? { finishReason: turn.finishReason } : {}),
    });
  });
  if (turns.length === 0)
    throw new ModelError(`replay trajectory ${source} has no assistant messages`);
  return turns;
}

/** Loads a trajectory file as a Model with id `replay:PATH`. */
export async function createReplayModel(path: string): Promise<Model> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new ModelError(
      `replay trajectory ${path} cannot be loaded: ${(err as Error).message}`,
      err,
    );
  }
  const turns = replayTurns(data, path);
  let next = 0;
  return {
    id: `replay:${path}`,
    async complete(request: CompletionRequest): Promise<CompletionResponse> {
      if (next >= turns.length)
        throw new ModelError(`replay model ran out of messages after ${turns.length} turns`);
      const turn = turns[next++];
      const message = structuredClone(turn.message);
      return {
        message,
        usage: turn.usage
          ? { ...turn.usage }
          : estimateUsage(request.messages, request.tools, message),
        finishReason: turn.finishReason ?? (message.tool_calls?.length ? 'tool_calls' : 'stop'),
      };
    },
  };
}

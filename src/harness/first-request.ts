// What the harness sends on its first model call, captured through the real loop, so the
// lean-prompt figure in the README is measured rather than assembled by hand.
import type { CompletionRequest, Model } from '../providers/model.js';
import { createSandbox } from '../sandbox/index.js';
import { runAgent } from './agent.js';
import type { Tool } from './tool.js';

/** Runs the loop on `repo` with a model that records its first request and then finishes. */
export async function captureFirstRequest(
  repo: string,
  task: string,
  tools?: Tool[],
): Promise<CompletionRequest> {
  let first: CompletionRequest | undefined;
  const model: Model = {
    id: 'capture',
    async complete(req) {
      first ??= structuredClone({ messages: req.messages, tools: req.tools });
      return {
        message: {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'f',
              type: 'function',
              function: { name: 'finish', arguments: '{"summary":"captured"}' },
            },
          ],
        },
        usage: { promptTokens: 0, completionTokens: 0, estimated: true },
      };
    },
  };
  await runAgent(task, model, createSandbox('none', repo), {
    maxTurns: 1,
    ...(tools ? { tools } : {}),
  });
  if (!first) throw new Error('the loop made no model call');
  return first;
}

/** The request as the bytes an OpenAI-compatible server receives (messages + tools). */
export function requestText(req: CompletionRequest): { messages: string; tools: string } {
  return { messages: JSON.stringify(req.messages), tools: JSON.stringify(req.tools) };
}

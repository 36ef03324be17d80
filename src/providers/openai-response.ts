// Reading a Chat Completions response body into the loop's terms: the assistant message
// (native tool calls, or calls written as text), usage, finish reason and token ids.
import { z } from 'zod';
import type { AssistantMessage, Message, ToolCall, ToolSchema } from '../messages.js';
import { estimateUsage } from './estimate.js';
import { type CompletionResponse, ModelError, type TokenRecord, type Usage } from './model.js';
import { parseTextToolCalls } from './text-tool-calls.js';
import { issueText } from './zod-issue.js';

const ids = z.array(z.number().int().nonnegative()).nullish();

const ChatResponse = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.union([z.string(), z.array(z.looseObject({ text: z.string() }))]).nullish(),
          tool_calls: z
            .array(
              z.object({
                id: z.string().nullish(),
                function: z.object({
                  name: z.string(),
                  arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).nullish(),
                }),
              }),
            )
            .nullish(),
        }),
        finish_reason: z.string().nullish(),
        // vLLM with `return_token_ids: true`.
        token_ids: ids,
        logprobs: z
          .object({
            content: z.array(z.object({ token: z.string(), logprob: z.number() })).nullish(),
          })
          .nullish(),
      }),
    )
    .min(1, 'expected at least one choice'),
  usage: z
    .object({
      prompt_tokens: z.number().int().nonnegative(),
      completion_tokens: z.number().int().nonnegative(),
      prompt_tokens_details: z
        .object({ cached_tokens: z.number().int().nonnegative().nullish() })
        .nullish(),
    })
    .nullish(),
  prompt_token_ids: ids,
});
type ChatResponse = z.infer<typeof ChatResponse>;
type Choice = ChatResponse['choices'][number];

/** The request side that the reading needs: estimates and parameter types come from it. */
export interface SentRequest {
  messages: Message[];
  tools: ToolSchema[];
}

/** Turns a 2xx response body into a CompletionResponse; a precise ModelError when malformed. */
export function readChatResponse(
  bodyText: string,
  sent: SentRequest,
  where: string,
): CompletionResponse {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    throw new ModelError(
      `malformed response from ${where}: body is not JSON: ${preview(bodyText)}`,
    );
  }
  return readChatObject(body, sent, where);
}

/** The same from a parsed body (or one assembled from a stream's chunks). */
export function readChatObject(
  body: unknown,
  sent: SentRequest,
  where: string,
): CompletionResponse {
  // Some gateways report failures in a 200 body.
  if (isObject(body) && body.error !== undefined && body.choices === undefined) {
    throw new ModelError(`${where} answered with an error: ${errorText(body)}`);
  }
  const parsed = ChatResponse.safeParse(body);
  if (!parsed.success) {
    throw new ModelError(`malformed response from ${where}: ${issueText(parsed.error.issues[0])}`);
  }
  const choice = parsed.data.choices[0];
  // Ids we make up are unique across the conversation (tool results refer back to them):
  // `call_<turn>_<i>`, where turn counts the assistant messages already sent.
  const idPrefix = `call_${sent.messages.filter((m) => m.role === 'assistant').length}_`;
  const message = assistantMessage(choice, sent.tools, idPrefix);
  const tokens = tokenRecord(parsed.data, choice);
  return {
    message,
    usage: usage(parsed.data, tokens, sent, message),
    ...(choice.finish_reason ? { finishReason: choice.finish_reason } : {}),
    ...(tokens ? { tokens } : {}),
  };
}

function assistantMessage(choice: Choice, tools: ToolSchema[], idPrefix: string): AssistantMessage {
  const raw = choice.message.content;
  const content = Array.isArray(raw) ? raw.map((p) => p.text).join('') : (raw ?? null);
  const native = choice.message.tool_calls ?? [];
  if (native.length > 0) {
    const toolCalls: ToolCall[] = native.map((c, i) => ({
      id: c.id || `${idPrefix}${i}`,
      type: 'function',
      function: {
        name: c.function.name,
        arguments:
          typeof c.function.arguments === 'string'
            ? c.function.arguments
            : JSON.stringify(c.function.arguments ?? {}),
      },
    }));
    return { role: 'assistant', content: content === '' ? null : content, tool_calls: toolCalls };
  }
  if (content === null) return { role: 'assistant', content: null };
  const parsed = parseTextToolCalls(content, { tools, idPrefix });
  if (parsed.toolCalls.length === 0) return { role: 'assistant', content };
  return { role: 'assistant', content: parsed.content, tool_calls: parsed.toolCalls };
}

function tokenRecord(data: ChatResponse, choice: Choice): TokenRecord | undefined {
  const logprobs = choice.logprobs?.content ?? undefined;
  let completionIds = choice.token_ids ?? undefined;
  // vLLM's --return-tokens-as-token-ids spells each logprob token as "token_id:N".
  if (
    !completionIds &&
    logprobs &&
    logprobs.length > 0 &&
    logprobs.every((l) => /^token_id:\d+$/.test(l.token))
  ) {
    completionIds = logprobs.map((l) => Number(l.token.slice('token_id:'.length)));
  }
  const promptIds = data.prompt_token_ids ?? undefined;
  if (!completionIds || !promptIds) return undefined;
  const record: TokenRecord = { promptIds, completionIds };
  if (logprobs && logprobs.length === completionIds.length)
    record.logprobs = logprobs.map((l) => l.logprob);
  return record;
}

function usage(
  data: ChatResponse,
  tokens: TokenRecord | undefined,
  sent: SentRequest,
  reply: AssistantMessage,
): Usage {
  if (data.usage) {
    const cached = data.usage.prompt_tokens_details?.cached_tokens;
    return {
      promptTokens: data.usage.prompt_tokens,
      completionTokens: data.usage.completion_tokens,
      ...(cached != null ? { cachedTokens: cached } : {}),
      estimated: false,
    };
  }
  // Exact ids are as good as the server's own count.
  if (tokens)
    return {
      promptTokens: tokens.promptIds.length,
      completionTokens: tokens.completionIds.length,
      estimated: false,
    };
  return estimateUsage(sent.messages, sent.tools, reply);
}

/** The server's own words from an error body (OpenAI, vLLM, llama.cpp, Ollama shapes), else the text. */
export function errorText(body: unknown): string {
  if (typeof body === 'string') {
    try {
      return errorText(JSON.parse(body));
    } catch {
      return preview(body);
    }
  }
  if (isObject(body)) {
    const e = body.error;
    if (isObject(e) && typeof e.message === 'string') return e.message;
    if (typeof e === 'string') return e;
    if (typeof body.message === 'string') return body.message;
    if (body.detail !== undefined)
      return typeof body.detail === 'string' ? body.detail : JSON.stringify(body.detail);
  }
  return preview(JSON.stringify(body));
}

function preview(text: string): string {
  const t = text.trim();
  if (t === '') return '(empty body)';
  return t.length > 300 ? `${JSON.stringify(t.slice(0, 300))}...` : JSON.stringify(t);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

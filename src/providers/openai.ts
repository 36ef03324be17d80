// Client for any OpenAI-compatible Chat Completions endpoint (vLLM, llama.cpp server,
// Ollama, LM Studio, hosted APIs, the gym's recording gateway). Plain fetch, no SDK.
import { Agent } from 'undici';
import type { Message } from '../messages.js';
import {
  type CompletionRequest,
  type CompletionResponse,
  type Model,
  ModelError,
} from './model.js';
import { errorText, readChatObject, readChatResponse } from './openai-response.js';
import { readChatStream, StreamCut } from './openai-stream.js';
import { backoffMs, isRetryableStatus, retryAfterMs, seededRandom, sleep } from './retry.js';

export interface OpenAIModelOptions {
  /** Base URL up to and including the version path, e.g. `http://127.0.0.1:8000/v1`; `/chat/completions` is appended. */
  baseUrl: string;
  /** Model name sent in every request; also the model id recorded in trajectories. */
  model: string;
  /** Bearer token. @default env LOOPSMITH_API_KEY, then OPENAI_API_KEY; none sends no Authorization header */
  apiKey?: string;
  /**
   * Limit on one attempt (request and whole body). It is the only limit: undici's own
   * 300 s headers/body timeouts are turned off, since a non-streamed answer from a CPU
   * server can take longer than that to start. @default 600_000
   */
  timeoutMs?: number;
  /** Further attempts after a 429, a 5xx, a network error or a timeout. @default 5 */
  maxRetries?: number;
  /** Sampling temperature; left to the server when unset. */
  temperature?: number;
  /** Extra fields merged into every request body (e.g. `top_p`, `chat_template_kwargs`). @default {} */
  extraBody?: Record<string, unknown>;
  /** Ask vLLM-style servers for token ids and logprobs (`logprobs`, `return_token_ids`). @default false */
  requestTokenIds?: boolean;
  /** First backoff; doubles each attempt. @default 500 */
  initialBackoffMs?: number;
  /** Cap on one computed backoff. @default 30_000 */
  maxBackoffMs?: number;
  /** Cap on a wait the server asks for with Retry-After. @default 120_000 */
  maxRetryAfterMs?: number;
  /**
   * Stream replies (server-sent events) when the caller listens for pieces (`onDelta`); the
   * returned response is the same as without. Off by default: the gym's recording gateway
   * and some servers only answer whole bodies. @default false
   */
  stream?: boolean;
  /** Seed of the backoff jitter. @default 0 */
  seed?: number;
  /** Environment the API key is read from. @default process.env */
  env?: Record<string, string | undefined>;
}

/** Creates a Model that talks to an OpenAI-compatible Chat Completions endpoint. */
export function createOpenAIModel(options: OpenAIModelOptions): Model {
  if (!options.model) throw new ModelError('OpenAI-compatible model: a model name is required');
  let url: URL;
  try {
    url = new URL(options.baseUrl);
    // A query (Azure's ?api-version=...) stays after the path.
    url.pathname = `${url.pathname.replace(/\/+$/, '')}/chat/completions`;
  } catch {
    throw new ModelError(
      `OpenAI-compatible model: base URL ${JSON.stringify(options.baseUrl)} is not a valid URL`,
    );
  }
  // `localhost:8000/v1` parses, as the scheme "localhost:".
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ModelError(
      `OpenAI-compatible model: base URL ${JSON.stringify(options.baseUrl)} must start with http:// or https://`,
    );
  }
  const env = options.env ?? process.env;
  const apiKey = options.apiKey ?? env.LOOPSMITH_API_KEY ?? env.OPENAI_API_KEY;
  const random = seededRandom(options.seed ?? 0);
  const o = {
    timeoutMs: options.timeoutMs ?? 600_000,
    maxRetries: options.maxRetries ?? 5,
    initialBackoffMs: options.initialBackoffMs ?? 500,
    maxBackoffMs: options.maxBackoffMs ?? 30_000,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 120_000,
  };
  check('timeoutMs', o.timeoutMs, 'positive');
  check('maxRetries', o.maxRetries, 'count');
  check('initialBackoffMs', o.initialBackoffMs, 'non-negative');
  check('maxBackoffMs', o.maxBackoffMs, 'non-negative');
  check('maxRetryAfterMs', o.maxRetryAfterMs, 'non-negative');
  if (options.temperature !== undefined) check('temperature', options.temperature, 'non-negative');
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: options.stream ? 'application/json, text/event-stream' : 'application/json',
  };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  // Never user:password or query-string keys in messages that end up in logs and trajectories.
  const where = `${url.origin}${url.pathname}`;
  const dispatcher = new Agent({ headersTimeout: 0, bodyTimeout: 0 });

  async function complete(request: CompletionRequest): Promise<CompletionResponse> {
    const streaming = Boolean(options.stream && request.onDelta);
    const body = JSON.stringify(requestBody(options, request, streaming));
    let failure = '';
    for (let attempt = 0; ; attempt++) {
      const timeout = AbortSignal.timeout(o.timeoutMs);
      const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
      let wait: number | undefined;
      try {
        // undici's Agent and Node's bundled fetch types differ only in their type package.
        const init = { method: 'POST', headers, body, signal, dispatcher } as RequestInit;
        const res = await fetch(url, init);
        if (res.ok && streaming && res.body && isEventStream(res.headers)) {
          const assembled = await readChatStream(res.body, request.onDelta, where);
          return readChatObject(assembled, request, where);
        }
        const text = await res.text();
        if (res.ok) return readChatResponse(text, request, where);
        failure = `HTTP ${res.status}: ${errorText(text)}`;
        if (!isRetryableStatus(res.status))
          throw new ModelError(`${where} answered ${failure} (not retried)${hint(res.status)}`);
        const asked = retryAfterMs(res.headers);
        if (asked !== undefined) wait = Math.min(asked, o.maxRetryAfterMs);
      } catch (err) {
        if (err instanceof ModelError) throw err;
        if (request.signal?.aborted) throw new ModelError(`request to ${where} was aborted`, err);
        failure = timeout.aborted
          ? `no complete answer within ${o.timeoutMs} ms`
          : err instanceof StreamCut
            ? err.message
            : `network error: ${networkText(err)}`;
        // What was shown of this attempt is void; the next attempt streams the reply anew.
        if (streaming && attempt < o.maxRetries) request.onDelta?.({ restart: failure });
      }
      if (attempt >= o.maxRetries) {
        throw new ModelError(
          `${where} failed after ${attempt + 1} attempt${attempt === 0 ? '' : 's'}: ${failure}`,
        );
      }
      try {
        await sleep(
          wait ?? backoffMs(attempt, o.initialBackoffMs, o.maxBackoffMs, random),
          request.signal,
        );
      } catch (err) {
        throw new ModelError(
          `request to ${where} was aborted while waiting to retry (${failure})`,
          err,
        );
      }
    }
  }

  return { id: options.model, complete, close: () => dispatcher.close() };
}

function requestBody(
  options: OpenAIModelOptions,
  request: CompletionRequest,
  stream: boolean,
): Record<string, unknown> {
  return {
    model: options.model,
    messages: request.messages.map(wireMessage),
    ...(request.tools.length > 0 ? { tools: request.tools } : {}),
    ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
    ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
    ...(options.requestTokenIds ? { logprobs: true, return_token_ids: true } : {}),
    ...options.extraBody,
    // Usage arrives in a last chunk only when asked for (OpenAI, vLLM, llama.cpp, Ollama).
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : { stream: false }),
  };
}

/** A server may ignore `stream: true` and answer a whole JSON body; that is read as such. */
function isEventStream(headers: Headers): boolean {
  return (headers.get('content-type') ?? '').includes('text/event-stream');
}

/** Only the Chat Completions fields: bookkeeping the loop attached (e.g. `extra`) never goes out. */
function wireMessage(m: Message): Message {
  switch (m.role) {
    case 'system':
    case 'user':
      return { role: m.role, content: m.content };
    case 'tool':
      return { role: 'tool', tool_call_id: m.tool_call_id, content: m.content };
    case 'assistant':
      return m.tool_calls && m.tool_calls.length > 0
        ? {
            role: 'assistant',
            content: m.content,
            tool_calls: m.tool_calls.map((c) => ({
              id: c.id,
              type: 'function',
              function: { name: c.function.name, arguments: c.function.arguments },
            })),
          }
        : { role: 'assistant', content: m.content ?? '' };
  }
}

/** Refuses a numeric option outside its range, naming it. */
function check(name: string, value: number, kind: 'positive' | 'non-negative' | 'count'): void {
  const ok =
    Number.isFinite(value) &&
    (kind === 'positive' ? value > 0 : value >= 0) &&
    (kind !== 'count' || Number.isInteger(value));
  const want = kind === 'count' ? 'a non-negative integer' : `a ${kind} number`;
  if (!ok) throw new ModelError(`OpenAI-compatible model: ${name} must be ${want}, got ${value}`);
}

/** What to check for the statuses that usually mean a setup mistake rather than a bad request. */
function hint(status: number): string {
  if (status === 401 || status === 403)
    return '; check the API key (LOOPSMITH_API_KEY or OPENAI_API_KEY)';
  if (status === 404) return '; check the base URL (it usually ends with /v1) and the model name';
  return '';
}

/** undici hides the reason (ECONNREFUSED, ECONNRESET ...) in `cause`. */
function networkText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: string; message?: string } | undefined;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return cause?.message ?? err.message;
}

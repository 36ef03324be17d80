// Streamed Chat Completions (server-sent events): each chunk's pieces go to the caller as
// they arrive, and the chunks are assembled into the body a non-streamed call would have
// returned, so the reply is read by the very same code and the trajectory is identical.
import type { ModelDelta } from './model.js';
import { ModelError } from './model.js';
import { errorText } from './openai-response.js';

/** A stream that ended before its reply was complete (connection cut, server died). */
export class StreamCut extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StreamCut';
  }
}

interface ToolCallAcc {
  id?: string;
  name: string;
  arguments: string;
}

interface Chunk {
  choices?: {
    delta?: {
      content?: string | null;
      tool_calls?: {
        index?: number;
        id?: string | null;
        function?: { name?: string | null; arguments?: string | null };
      }[];
    };
    finish_reason?: string | null;
    token_ids?: number[] | null;
    logprobs?: { content?: unknown[] | null } | null;
  }[];
  usage?: unknown;
  prompt_token_ids?: number[] | null;
  error?: unknown;
}

/**
 * Reads an SSE body to its end; returns the assembled non-streamed body (as an object).
 * Throws StreamCut when the stream stops before `[DONE]` and without a finish reason.
 */
export async function readChatStream(
  body: ReadableStream<Uint8Array>,
  onDelta: ((d: ModelDelta) => void) | undefined,
  where: string,
): Promise<Record<string, unknown>> {
  let content = '';
  let sawContent = false;
  const calls: ToolCallAcc[] = [];
  let finish: string | undefined;
  let usage: unknown;
  let promptIds: number[] | undefined;
  let completionIds: number[] | undefined;
  let logprobs: unknown[] | undefined;
  let done = false;

  const onEvent = (data: string) => {
    if (data === '[DONE]') {
      done = true;
      return;
    }
    let chunk: Chunk;
    try {
      chunk = JSON.parse(data) as Chunk;
    } catch {
      throw new ModelError(
        `malformed stream from ${where}: an event is not JSON: ${data.slice(0, 200)}`,
      );
    }
    if (chunk.error !== undefined)
      throw new ModelError(`${where} failed mid-stream: ${errorText(chunk)}`);
    if (chunk.usage) usage = chunk.usage;
    if (chunk.prompt_token_ids) promptIds = chunk.prompt_token_ids;
    const c = chunk.choices?.[0];
    if (!c) return;
    const d = c.delta ?? {};
    if (typeof d.content === 'string' && d.content !== '') {
      content += d.content;
      sawContent = true;
      onDelta?.({ text: d.content });
    }
    for (const [k, piece] of (d.tool_calls ?? []).entries()) {
      const index = piece.index ?? k;
      calls[index] ??= { name: '', arguments: '' };
      const acc = calls[index];
      if (piece.id) acc.id = piece.id;
      if (piece.function?.name) acc.name += piece.function.name;
      if (piece.function?.arguments) acc.arguments += piece.function.arguments;
      onDelta?.({
        toolCall: {
          index,
          ...(piece.id ? { id: piece.id } : {}),
          ...(piece.function?.name ? { name: piece.function.name } : {}),
          ...(piece.function?.arguments ? { arguments: piece.function.arguments } : {}),
        },
      });
    }
    if (c.finish_reason) finish = c.finish_reason;
    if (c.token_ids) completionIds = [...(completionIds ?? []), ...c.token_ids];
    if (c.logprobs?.content) logprobs = [...(logprobs ?? []), ...c.logprobs.content];
  };

  const broke = await readEvents(body, onEvent, () => done);
  if (!done && finish === undefined) {
    const got = `${content.length} chars of text${calls.length ? `, ${calls.length} tool call(s) begun` : ''}`;
    throw new StreamCut(
      `the stream was cut before the reply was complete (${got}, no [DONE])${broke ? `: ${broke}` : ''}`,
    );
  }
  // A call without an id stays without one: the reader makes up the same ids as for a whole body.
  const toolCalls = calls.filter(Boolean).map((c) => ({
    ...(c.id ? { id: c.id } : {}),
    type: 'function',
    function: { name: c.name, arguments: c.arguments },
  }));
  return {
    choices: [
      {
        message: {
          role: 'assistant',
          content: sawContent ? content : null,
          ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
        },
        ...(finish ? { finish_reason: finish } : {}),
        ...(completionIds ? { token_ids: completionIds } : {}),
        ...(logprobs ? { logprobs: { content: logprobs } } : {}),
      },
    ],
    ...(usage ? { usage } : {}),
    ...(promptIds ? { prompt_token_ids: promptIds } : {}),
  };
}

/**
 * Splits an SSE byte stream into the `data` of each event (lines joined by \n, per the
 * spec). Returns why the connection broke, if it did.
 */
async function readEvents(
  body: ReadableStream<Uint8Array>,
  onData: (data: string) => void,
  stop: () => boolean,
): Promise<string | undefined> {
  const decoder = new TextDecoder();
  let buf = '';
  let data: string[] = [];
  const line = (l: string) => {
    if (l === '') {
      if (data.length) onData(data.join('\n'));
      data = [];
    } else if (l.startsWith('data:')) data.push(l.slice(l.startsWith('data: ') ? 6 : 5));
    // Comments (":"), `event:`, `id:` and `retry:` lines carry nothing the reply needs.
  };
  const reader = body.getReader();
  try {
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (e) {
        return (e as Error).message;
      }
      if (chunk.done) break;
      buf += decoder.decode(chunk.value, { stream: true });
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        line(buf.slice(0, nl).replace(/\r$/, ''));
        buf = buf.slice(nl + 1);
        if (stop()) return undefined;
        nl = buf.indexOf('\n');
      }
    }
    if (buf !== '') line(buf);
    line('');
    return undefined;
  } finally {
    reader.releaseLock();
    await body.cancel().catch(() => {});
  }
}

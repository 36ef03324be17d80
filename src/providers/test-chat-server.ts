// A real Chat Completions server on 127.0.0.1 for the provider tests: each request gets
// the next scripted reply, and every request is recorded for the test to inspect.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Reply {
  /** @default 200 */
  status?: number;
  headers?: Record<string, string>;
  /** Sent as is when a string, as JSON otherwise. */
  body?: unknown;
  /** Never answer (the client's timeout has to end it). @default false */
  hang?: boolean;
  /** Answer as server-sent events: one `data:` event per entry (strings as is, e.g. "[DONE]"). */
  events?: unknown[];
  /** With `events`: drop the connection after this many events, mid-reply. */
  cutAfter?: number;
  /** With `events`: after this many events, keep the connection open and send nothing more. */
  stallAfter?: number;
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface ChatServer {
  /** Base URL including `/v1`. */
  baseUrl: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** Starts a server answering with `replies` in order (the last one repeats). */
export async function startChatServer(replies: Reply[]): Promise<ChatServer> {
  const requests: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: text ? JSON.parse(text) : {},
      });
      const reply = replies[Math.min(requests.length - 1, replies.length - 1)];
      if (reply.hang) return;
      if (reply.events) return void sendEvents(res, reply.events, reply.cutAfter, reply.stallAfter);
      const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes events one at a time (separate writes, so the client sees them as they come). */
async function sendEvents(
  res: ServerResponse,
  events: unknown[],
  cutAfter?: number,
  stallAfter?: number,
) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  for (const [i, e] of events.entries()) {
    if (stallAfter !== undefined && i >= stallAfter) return;
    if (cutAfter !== undefined && i >= cutAfter) {
      res.socket?.destroy();
      return;
    }
    res.write(`data: ${typeof e === 'string' ? e : JSON.stringify(e)}\n\n`);
    await new Promise((r) => setTimeout(r, 2));
  }
  res.end();
}

/** A minimal successful Chat Completions body. */
export function chatBody(
  message: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', ...message },
        finish_reason: message.tool_calls ? 'tool_calls' : 'stop',
      },
    ],
    ...extra,
  };
}

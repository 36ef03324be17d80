import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import type { Message, ToolSchema } from '../messages.js';
import { ModelError } from './model.js';
import { createOpenAIModel, type OpenAIModelOptions } from './openai.js';
import { type ChatServer, chatBody, type Reply, startChatServer } from './test-chat-server.js';

const tools: ToolSchema[] = [
  {
    type: 'function',
    function: {
      name: 'read',
      description: 'Read a file.',
      parameters: {
        type: 'object',
        properties: { path: { type: 'string' }, offset: { type: 'integer' } },
        required: ['path'],
      },
    },
  },
];
const messages: Message[] = [
  { role: 'system', content: 'You fix bugs.' },
  { role: 'user', content: 'Fix the failing test.' },
];

const servers: ChatServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function serve(replies: Reply[]): Promise<ChatServer> {
  const s = await startChatServer(replies);
  servers.push(s);
  return s;
}

function model(s: ChatServer, extra: Partial<OpenAIModelOptions> = {}) {
  return createOpenAIModel({
    baseUrl: s.baseUrl,
    model: 'test-model',
    env: {},
    initialBackoffMs: 5,
    ...extra,
  });
}

test('native tool calls: request body, auth header and response', async () => {
  const s = await serve([
    {
      body: chatBody(
        {
          content: null,
          tool_calls: [
            {
              id: 'abc',
              type: 'function',
              function: { name: 'read', arguments: '{"path":"a.ts"}' },
            },
          ],
        },
        {
          usage: {
            prompt_tokens: 120,
            completion_tokens: 9,
            prompt_tokens_details: { cached_tokens: 64 },
          },
        },
      ),
    },
  ]);
  const m = model(s, { apiKey: 'sk-test', temperature: 0.2, extraBody: { top_p: 0.9 } });
  // Bookkeeping on a message must not reach the server.
  const withExtra = [...messages, { role: 'user', content: 'more', extra: { note: 1 } } as Message];
  const r = await m.complete({ messages: withExtra, tools, maxTokens: 256 });

  const req = s.requests[0];
  assert.equal(req.method, 'POST');
  assert.equal(req.url, '/v1/chat/completions');
  assert.equal(req.headers.authorization, 'Bearer sk-test');
  assert.equal(req.body.model, 'test-model');
  assert.deepEqual(req.body.messages, [...messages, { role: 'user', content: 'more' }]);
  assert.deepEqual(req.body.tools, tools);
  assert.equal(req.body.max_tokens, 256);
  assert.equal(req.body.temperature, 0.2);
  assert.equal(req.body.top_p, 0.9);
  assert.equal(req.body.stream, false);
  assert.equal(req.body.return_token_ids, undefined);

  assert.equal(m.id, 'test-model');
  assert.deepEqual(r.message, {
    role: 'assistant',
    content: null,
    tool_calls: [
      { id: 'abc', type: 'function', function: { name: 'read', arguments: '{"path":"a.ts"}' } },
    ],
  });
  assert.deepEqual(r.usage, {
    promptTokens: 120,
    completionTokens: 9,
    cachedTokens: 64,
    estimated: false,
  });
  assert.equal(r.finishReason, 'tool_calls');
  assert.equal(r.tokens, undefined);
});

test('API key comes from LOOPSMITH_API_KEY, then OPENAI_API_KEY; none sends no header', async () => {
  const s = await serve([{ body: chatBody({ content: 'ok' }) }]);
  await model(s, { env: { LOOPSMITH_API_KEY: 'k1', OPENAI_API_KEY: 'k2' } }).complete({
    messages,
    tools: [],
  });
  await model(s, { env: { OPENAI_API_KEY: 'k2' } }).complete({ messages, tools: [] });
  await model(s, { env: {} }).complete({ messages, tools: [] });
  assert.deepEqual(
    s.requests.map((r) => r.headers.authorization),
    ['Bearer k1', 'Bearer k2', undefined],
  );
  // No tools: the field is left out rather than sent empty (some servers reject []).
  assert.equal('tools' in s.requests[0].body, false);
});

test('tool calls written as text are parsed into tool_calls', async () => {
  const content =
    'Let me look.\n<tool_call>\n{"name": "read", "arguments": {"path": "src/a.ts"}}\n</tool_call>';
  const s = await serve([
    { body: chatBody({ content }, { usage: { prompt_tokens: 10, completion_tokens: 20 } }) },
  ]);
  const m = model(s);
  const r = await m.complete({ messages, tools });
  assert.equal(r.message.content, 'Let me look.');
  assert.deepEqual(r.message.tool_calls, [
    {
      id: 'call_0_0',
      type: 'function',
      function: { name: 'read', arguments: '{"path":"src/a.ts"}' },
    },
  ]);
  // Next turn: made-up ids stay unique across the conversation.
  const history: Message[] = [
    ...messages,
    r.message,
    { role: 'tool', tool_call_id: 'call_0_0', content: 'export const a = 1;' },
  ];
  const r2 = await m.complete({ messages: history, tools });
  assert.equal(r2.message.tool_calls?.[0].id, 'call_1_0');
  assert.deepEqual(s.requests[1].body.messages, history);
});

test('429 with Retry-After is retried after the wait the server asked for', {
  timeout: 20_000,
}, async () => {
  const s = await serve([
    { status: 429, headers: { 'retry-after': '0' }, body: { error: { message: 'slow down' } } },
    { body: chatBody({ content: 'done' }) },
  ]);
  // A one-minute backoff would outlast the test's timeout: only Retry-After: 0 lets it pass.
  const r = await model(s, { initialBackoffMs: 60_000 }).complete({ messages, tools });
  assert.equal(s.requests.length, 2);
  assert.equal(r.message.content, 'done');
});

test('500 twice, then success', async () => {
  const s = await serve([
    { status: 500, body: 'oops' },
    { status: 503, body: 'busy' },
    { body: chatBody({ content: 'third time' }) },
  ]);
  const r = await model(s).complete({ messages, tools });
  assert.equal(s.requests.length, 3);
  assert.equal(r.message.content, 'third time');
});

test('5xx until retries run out gives the last status and message', async () => {
  const s = await serve([{ status: 502, body: { error: { message: 'upstream died' } } }]);
  await assert.rejects(model(s, { maxRetries: 2 }).complete({ messages, tools }), (e: Error) => {
    assert.ok(e instanceof ModelError);
    assert.match(e.message, /failed after 3 attempts: HTTP 502: upstream died/);
    return true;
  });
  assert.equal(s.requests.length, 3);
});

test('a 400 is not retried and carries the server message', async () => {
  const s = await serve([
    {
      status: 400,
      body: { error: { message: "'messages' must not be empty", type: 'invalid_request_error' } },
    },
  ]);
  await assert.rejects(model(s).complete({ messages, tools }), (e: Error) => {
    assert.ok(e instanceof ModelError);
    assert.match(e.message, /HTTP 400: 'messages' must not be empty \(not retried\)/);
    return true;
  });
  assert.equal(s.requests.length, 1);
});

test('a query in the base URL is kept on requests but left out of error text', async () => {
  const s = await serve([{ status: 400, body: { error: { message: 'bad' } } }]);
  const m = model(s, { baseUrl: `${s.baseUrl}/?api-version=2024-06-01&key=secret` });
  await assert.rejects(m.complete({ messages, tools }), (e: Error) => {
    assert.doesNotMatch(e.message, /secret/);
    assert.match(e.message, /\/v1\/chat\/completions answered HTTP 400: bad/);
    return true;
  });
  assert.equal(s.requests[0].url, '/v1/chat/completions?api-version=2024-06-01&key=secret');
});

test('401 and 404 say what to check', async () => {
  const s = await serve([
    { status: 401, body: { error: { message: 'Incorrect API key provided' } } },
    { status: 404, body: '404 page not found' },
  ]);
  await assert.rejects(
    model(s).complete({ messages, tools }),
    /HTTP 401: Incorrect API key provided \(not retried\); check the API key \(LOOPSMITH_API_KEY/,
  );
  await assert.rejects(
    model(s).complete({ messages, tools }),
    /HTTP 404: "404 page not found" \(not retried\); check the base URL \(it usually ends with \/v1\)/,
  );
  assert.equal(s.requests.length, 2);
});

test('a hung server hits the timeout, once per attempt', async () => {
  const s = await serve([{ hang: true }]);
  await assert.rejects(
    model(s, { timeoutMs: 150, maxRetries: 1 }).complete({ messages, tools }),
    /failed after 2 attempts: no complete answer within 150 ms/,
  );
  assert.equal(s.requests.length, 2);
});

test('a refused connection is a retried network error', async () => {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((r) => probe.close(() => r()));
  const m = createOpenAIModel({
    baseUrl: `http://127.0.0.1:${port}/v1`,
    model: 'x',
    env: {},
    maxRetries: 1,
    initialBackoffMs: 1,
  });
  await assert.rejects(
    m.complete({ messages, tools }),
    /failed after 2 attempts: network error: ECONNREFUSED/,
  );
});

test('a caller abort ends the call without retries', async () => {
  const s = await serve([{ hang: true }]);
  const ac = new AbortController();
  const pending = model(s).complete({ messages, tools, signal: ac.signal });
  // Abort once the server holds the request, so the abort meets a call in flight.
  while (s.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
  ac.abort();
  await assert.rejects(pending, /was aborted/);
  assert.equal(s.requests.length, 1);
});

test('malformed bodies give precise errors', async () => {
  const cases: Array<[unknown, RegExp]> = [
    [
      '<html>Bad Gateway</html>',
      /malformed response from .*: body is not JSON: "<html>Bad Gateway<\/html>"/,
    ],
    [{ id: 'x' }, /malformed response from .*: choices: /],
    [{ choices: [] }, /choices: expected at least one choice/],
    [
      { choices: [{ message: { content: null, tool_calls: [{ function: { name: 7 } }] } }] },
      /choices\[0\]\.message\.tool_calls\[0\]\.function\.name: /,
    ],
    [{ error: { message: 'model not loaded' } }, /answered with an error: model not loaded/],
  ];
  for (const [body, pattern] of cases) {
    const s = await serve([{ body }]);
    await assert.rejects(model(s).complete({ messages, tools }), (e: Error) => {
      assert.ok(e instanceof ModelError, `${e}`);
      assert.match(e.message, pattern);
      return true;
    });
    assert.equal(s.requests.length, 1, 'a malformed body is not retried');
  }
});

test('usage absent: estimated and flagged', async () => {
  const s = await serve([
    { body: chatBody({ content: 'The fix is to change `<` to `<=` in clamp().' }) },
  ]);
  const r = await model(s).complete({ messages, tools });
  assert.equal(r.usage.estimated, true);
  assert.ok(r.usage.promptTokens > 20, `prompt ${r.usage.promptTokens}`);
  assert.ok(r.usage.completionTokens >= 10, `completion ${r.usage.completionTokens}`);
});

test('token ids and logprobs are requested and recorded', async () => {
  const choice = {
    index: 0,
    message: { role: 'assistant', content: 'hi' },
    finish_reason: 'stop',
    token_ids: [11, 12],
    logprobs: {
      content: [
        { token: 'h', logprob: -0.5 },
        { token: 'i', logprob: -0.25 },
      ],
    },
  };
  const s = await serve([
    {
      body: {
        choices: [choice],
        prompt_token_ids: [1, 2, 3],
        usage: { prompt_tokens: 3, completion_tokens: 2 },
      },
    },
    // No usage: the ids themselves give exact counts.
    {
      body: {
        choices: [{ ...choice, token_ids: [7], logprobs: null }],
        prompt_token_ids: [1, 2, 3, 11, 12, 5],
      },
    },
  ]);
  const m = model(s, { requestTokenIds: true });
  const r = await m.complete({ messages, tools });
  assert.equal(s.requests[0].body.logprobs, true);
  assert.equal(s.requests[0].body.return_token_ids, true);
  assert.deepEqual(r.tokens, {
    promptIds: [1, 2, 3],
    completionIds: [11, 12],
    logprobs: [-0.5, -0.25],
  });

  const r2 = await m.complete({ messages, tools });
  assert.deepEqual(r2.tokens, { promptIds: [1, 2, 3, 11, 12, 5], completionIds: [7] });
  assert.deepEqual(r2.usage, { promptTokens: 6, completionTokens: 1, estimated: false });
});

test('vLLM "token_id:N" logprob tokens give completion ids', async () => {
  const s = await serve([
    {
      body: {
        choices: [
          {
            message: { content: 'ab' },
            logprobs: {
              content: [
                { token: 'token_id:40', logprob: -1 },
                { token: 'token_id:41', logprob: -2 },
              ],
            },
          },
        ],
        prompt_token_ids: [9],
      },
    },
  ]);
  const r = await model(s).complete({ messages, tools });
  assert.deepEqual(r.tokens, { promptIds: [9], completionIds: [40, 41], logprobs: [-1, -2] });
});

test('a bad base URL or missing model name is refused up front', () => {
  assert.throws(
    () => createOpenAIModel({ baseUrl: 'localhost:8000/v1', model: 'm' }),
    /base URL "localhost:8000\/v1" must start with http:\/\/ or https:\/\//,
  );
  const base = { baseUrl: 'http://127.0.0.1:1/v1', model: 'm' };
  assert.throws(
    () => createOpenAIModel({ ...base, timeoutMs: 0 }),
    /timeoutMs must be a positive number, got 0/,
  );
  assert.throws(
    () => createOpenAIModel({ ...base, maxRetries: 1.5 }),
    /maxRetries must be a non-negative integer, got 1.5/,
  );
  assert.throws(
    () => createOpenAIModel({ ...base, initialBackoffMs: -1 }),
    /initialBackoffMs must be a non-negative number/,
  );
  assert.throws(
    () => createOpenAIModel({ ...base, temperature: Number.NaN }),
    /temperature must be a non-negative number, got NaN/,
  );
  assert.throws(
    () => createOpenAIModel({ baseUrl: 'not a url', model: 'm' }),
    /base URL "not a url" is not a valid URL/,
  );
  assert.throws(
    () => createOpenAIModel({ baseUrl: 'http://127.0.0.1:1/v1', model: '' }),
    /model name is required/,
  );
});

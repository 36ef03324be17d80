// The context window read from the server where it says: vLLM's /v1/models, llama.cpp's /props.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { probeContextWindow } from './openai-context.js';

async function serve(routes: Record<string, unknown>) {
  const server = createServer((req, res) => {
    const body = routes[req.url ?? ''];
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { error: 'not found' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

test('vLLM: max_model_len of the named model', async () => {
  const s = await serve({
    '/v1/models': {
      data: [
        { id: 'other', max_model_len: 4096 },
        { id: 'qwen', max_model_len: 32768 },
      ],
    },
  });
  try {
    assert.equal(await probeContextWindow(s.url, 'qwen'), 32768);
  } finally {
    await s.close();
  }
});

test('llama.cpp: n_ctx from /props beside /v1; nothing said means undefined', async () => {
  const s = await serve({
    '/v1/models': { data: [{ id: 'local' }] },
    '/props': { default_generation_settings: { n_ctx: 8192 } },
  });
  const none = await serve({});
  try {
    assert.equal(await probeContextWindow(s.url, 'local'), 8192);
    assert.equal(await probeContextWindow(none.url, 'x'), undefined);
    assert.equal(
      await probeContextWindow('http://127.0.0.1:9/v1', 'x', { timeoutMs: 500 }),
      undefined,
    );
  } finally {
    await s.close();
    await none.close();
  }
});

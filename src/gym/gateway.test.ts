// The recording gateway against a fake vLLM-style upstream started here: the harness's own
// OpenAI client talks to /rollout/{id}/v1, every call is recorded with token ids and
// logprobs, the reward closes the rollout, and traces become rows merged only on an exact
// token-prefix match (a rewritten history counts as a mismatch).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Message } from '../messages.js';
import { createOpenAIModel } from '../providers/openai.js';
import { readTrace, startGateway } from './gateway.js';
import { storeRows } from './gateway-rows.js';

// A toy prefix-preserving template: role header, char codes, end token.
const HEAD: Record<string, number> = { system: 1, user: 2, assistant: 3, tool: 4 };
const END = 5;
const codes = (s: string) => [...s].map((c) => 1000 + c.charCodeAt(0));
const body = (m: Message) => [
  ...codes(m.content ?? ''),
  ...(m.role === 'assistant'
    ? (m.tool_calls ?? []).flatMap((c) => codes(c.function.name + c.function.arguments))
    : []),
  END,
];
const prompt = (ms: Message[]) => [
  ...ms.flatMap((m) => [HEAD[m.role], ...body(m)]),
  HEAD.assistant,
];

async function fakeUpstream(
  seen: Record<string, unknown>[],
): Promise<{ url: string; server: Server }> {
  let n = 0;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const reqBody = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    seen.push(reqBody);
    n++;
    const reply =
      n === 2
        ? {
            role: 'assistant',
            content: 'done',
            tool_calls: [
              {
                id: 'f1',
                type: 'function',
                function: { name: 'finish', arguments: '{"summary":"ok"}' },
              },
            ],
          }
        : { role: 'assistant', content: `step ${n}` };
    const completion = body(reply as Message);
    const wantTokens = reqBody.return_token_ids === true;
    const out = {
      id: `cmpl-${n}`,
      object: 'chat.completion',
      model: reqBody.model,
      choices: [
        {
          index: 0,
          message: reply,
          finish_reason: 'stop',
          ...(wantTokens
            ? {
                token_ids: completion,
                logprobs: {
                  content: completion.map((t) => ({ token: String(t), logprob: -0.25 })),
                },
              }
            : {}),
        },
      ],
      usage: {
        prompt_tokens: prompt(reqBody.messages).length,
        completion_tokens: completion.length,
        total_tokens: 0,
      },
      ...(wantTokens ? { prompt_token_ids: prompt(reqBody.messages) } : {}),
    };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(out));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server };
}

test('gateway round trip: recorded calls with token ids, reward closes, rows merge on exact prefixes only', async () => {
  const store = await mkdtemp(join(tmpdir(), 'loopsmith-gw-'));
  const seen: Record<string, unknown>[] = [];
  const up = await fakeUpstream(seen);
  const gw = await startGateway({ upstream: up.url, store });
  try {
    const model = createOpenAIModel({
      baseUrl: `${gw.url}/rollout/r1/v1`,
      model: 'fake',
      maxRetries: 0,
    });
    const history: Message[] = [
      { role: 'system', content: 'sys' },
      { role: 'user', content: 'fix it' },
    ];
    const r1 = await model.complete({ messages: history, tools: [] });
    assert.equal(r1.message.content, 'step 1');
    assert.deepEqual(r1.tokens?.completionIds, body(r1.message));
    history.push(r1.message, { role: 'user', content: 'go on' });
    const r2 = await model.complete({ messages: history, tools: [] });
    assert.equal(r2.message.tool_calls?.[0].function.name, 'finish');
    // A client that rewrites earlier history (here: the system prompt) breaks the prefix.
    const rewritten: Message[] = [
      { role: 'system', content: 'SYS' },
      ...history.slice(1),
      r2.message,
      { role: 'tool', tool_call_id: 'f1', content: 'finished' },
    ];
    await model.complete({ messages: rewritten, tools: [] });
    // The gateway asked for token ids and logprobs on the client's behalf.
    assert.equal(seen[0].return_token_ids, true);
    assert.equal(seen[0].logprobs, true);

    const rw = await fetch(`${gw.url}/rollout/r1/reward`, {
      method: 'POST',
      body: JSON.stringify({ reward: 1, info: { resolved: true } }),
    });
    assert.equal(rw.status, 200);
    const again = await fetch(`${gw.url}/rollout/r1/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'fake', messages: history }),
    });
    assert.equal(again.status, 409);
    assert.equal(
      (await fetch(`${gw.url}/rollout/r1/reward`, { method: 'POST', body: '{"reward":"high"}' }))
        .status,
      409,
    );
    assert.equal(
      (await fetch(`${gw.url}/rollout/r2/reward`, { method: 'POST', body: '{"reward":"high"}' }))
        .status,
      400,
    );
    assert.equal((await fetch(`${gw.url}/elsewhere`)).status, 404);

    const trace = await readTrace(store, 'r1');
    assert.deepEqual(
      trace.map((t) => t.type),
      ['call', 'call', 'call', 'reward'],
    );
    const c0 = trace[0] as unknown as {
      prompt_token_ids: number[];
      completion_token_ids: number[];
      logprobs: number[];
      request: { messages: unknown[] };
      usage: { promptTokens: number };
    };
    assert.deepEqual(c0.prompt_token_ids, prompt(history.slice(0, 2)));
    assert.equal(c0.logprobs.length, c0.completion_token_ids.length);
    assert.equal(c0.request.messages.length, 2);
    assert.equal(c0.usage.promptTokens, c0.prompt_token_ids.length);

    const { rows, report } = await storeRows(store);
    assert.deepEqual(report, {
      rollouts: 1,
      calls: 3,
      rows: 2,
      merged: 1,
      prefix_mismatches: 1,
      without_tokens: 0,
      open_rollouts: 0,
    });
    const [row] = rows;
    assert.deepEqual(row.calls, [0, 1]);
    assert.equal(row.reward, 1);
    assert.equal(row.ids.length, row.mask.length);
    assert.equal(row.ids.length, row.logprobs.length);
    // Exactly the sampled tokens are trained on; the user turn in between is masked.
    const trained = row.ids.filter((_, i) => row.mask[i] === 1);
    assert.deepEqual(trained, [...body(r1.message), ...body(r2.message)]);
    const userTurn = codes('go on');
    const at = row.ids.findIndex((_, i) => userTurn.every((u, k) => row.ids[i + k] === u));
    assert.ok(at > 0 && row.mask.slice(at, at + userTurn.length).every((m) => m === 0));
    assert.ok(row.logprobs.every((lp, i) => (row.mask[i] === 1 ? lp === -0.25 : lp === 0)));
  } finally {
    await gw.close();
    await new Promise((r) => up.server.close(r));
    await rm(store, { recursive: true, force: true });
  }
});

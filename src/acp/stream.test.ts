// Replies stream into the editor as they are written: from an OpenAI-compatible server's
// SSE (the rest of the reply is held back until the editor has shown the first piece), and
// from the embedded model (a `loopsmith lm init` checkpoint), where a cancel during
// generation ends the prompt at once.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { test } from 'node:test';
import {
  type ClientContext,
  client,
  ndJsonStream,
  type SessionUpdate,
} from '@agentclientprotocol/sdk';
import { CLI, copyFixtureRepo } from '../harness/test-utils.js';
import type { Trajectory } from '../harness/trajectory.js';
import { bwrapAvailable } from '../sandbox/index.js';

const SANDBOX = bwrapAvailable().ok ? 'bwrap' : 'none';

/** One `loopsmith acp` process driven by the SDK's client; returns every update it sent. */
async function acp(
  cwd: string,
  state: string,
  args: string[],
  op: (
    agent: ClientContext,
    updates: SessionUpdate[],
    onUpdate: (f: () => void) => void,
  ) => Promise<void>,
): Promise<SessionUpdate[]> {
  const child = spawn(process.execPath, [CLI, 'acp', ...args, '--sandbox', SANDBOX], {
    cwd,
    env: { ...process.env, LOOPSMITH_CONFIG: '', LOOPSMITH_MODEL: '', XDG_STATE_HOME: state },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const updates: SessionUpdate[] = [];
  let listener = () => {};
  try {
    await client({ name: 'test-editor' })
      .onNotification('session/update', ({ params }) => {
        updates.push(params.update);
        listener();
      })
      .connectWith(
        ndJsonStream(
          Writable.toWeb(child.stdin) as WritableStream<Uint8Array>,
          Readable.toWeb(child.stdout) as unknown as ReadableStream<Uint8Array>,
        ),
        (agent) =>
          op(agent, updates, (f) => {
            listener = f;
          }),
      );
  } catch (e) {
    throw new Error(`${(e as Error).stack}\nagent stderr:\n${stderr}`);
  } finally {
    child.kill();
  }
  return updates;
}

const chunkText = (u: SessionUpdate) =>
  u.sessionUpdate === 'agent_message_chunk' && u.content.type === 'text' ? u.content.text : '';

async function open(agent: ClientContext, cwd: string): Promise<string> {
  await agent.request('initialize', { protocolVersion: 1, clientCapabilities: {} });
  return (await agent.request('session/new', { cwd, mcpServers: [] })).sessionId;
}

test('ACP streams an SSE reply: the first piece reaches the editor before the rest is sent', {
  timeout: 120_000,
}, async () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  let release: () => void = () => {};
  const held = new Promise<void>((r) => {
    release = r;
  });
  const sse = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const server = createServer(async (req, res) => {
    for await (const _ of req);
    if (!req.url?.endsWith('/chat/completions')) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(sse({ role: 'assistant', content: 'Streaming hello' }));
    await held;
    res.write(sse({ content: ' and goodbye.' }, 'stop'));
    res.end('data: [DONE]\n\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  try {
    const args = ['--model', 'm', '--base-url', `http://127.0.0.1:${port}/v1`];
    const updates = await acp(dir, join(dirname(dir), 'state'), args, async (agent, ups, on) => {
      const sessionId = await open(agent, dir);
      const first = new Promise<void>((r) => on(() => ups.some((u) => chunkText(u)) && r()));
      const reply = agent.request('session/prompt', {
        sessionId,
        prompt: [{ type: 'text', text: 'say hello' }],
      });
      await first;
      assert.equal(ups.map(chunkText).join(''), 'Streaming hello');
      release();
      assert.equal((await reply).stopReason, 'end_turn');
    });
    assert.equal(updates.map(chunkText).join(''), 'Streaming hello and goodbye.');
  } finally {
    release();
    server.closeAllConnections();
    server.close();
    cleanup();
  }
});

test('ACP streams the embedded model; a cancel during generation ends the prompt at once', {
  timeout: 180_000,
}, async () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  const base = dirname(dir);
  const ckpt = join(base, 'ckpt');
  const init = spawnSync(
    process.execPath,
    [CLI, 'lm', 'init', '--depth', '4', '--out', ckpt, '--corpus', 'src/harness'],
    { encoding: 'utf8' },
  );
  assert.equal(init.status, 0, init.stderr);
  const state = join(base, 'state');
  try {
    let cancelMs = 0;
    let firstUpdates = 0;
    const updates = await acp(
      dir,
      state,
      ['--model', `local:${ckpt}`, '--max-turns', '1'],
      async (agent, ups, on) => {
        const sessionId = await open(agent, dir);
        const r1 = await agent.request('session/prompt', {
          sessionId,
          prompt: [{ type: 'text', text: 'fix the bug' }],
        });
        assert.ok(['end_turn', 'max_turn_requests'].includes(r1.stopReason), r1.stopReason);
        assert.ok(ups.filter((u) => chunkText(u)).length > 5, 'the reply came in pieces');
        // The next prompt is cancelled once its first piece is in: the worker stops generating.
        const n = ups.length;
        firstUpdates = n;
        const piece = new Promise<void>((r) =>
          on(() => ups.slice(n).some((u) => chunkText(u)) && r()),
        );
        const p2 = agent.request('session/prompt', {
          sessionId,
          prompt: [{ type: 'text', text: 'again' }],
        });
        await piece;
        const t0 = performance.now();
        await agent.notify('session/cancel', { sessionId });
        assert.equal((await p2).stopReason, 'cancelled');
        cancelMs = performance.now() - t0;
      },
    );
    assert.ok(cancelMs < 3000, `the prompt ended ${cancelMs.toFixed(0)} ms after the cancel`);
    // What the editor was shown of the first reply is the reply the trajectory recorded.
    const sessions = join(state, 'loopsmith', 'sessions');
    const [repoKey] = readdirSync(sessions);
    const [id] = readdirSync(join(sessions, repoKey));
    const t = JSON.parse(
      readFileSync(join(sessions, repoKey, id, 'trajectory.json'), 'utf8'),
    ) as Trajectory;
    const second = t.messages.findIndex(
      (m, i) => i > 1 && m.role === 'user' && m.content === 'again',
    );
    const said = t.messages
      .slice(0, second)
      .map((m) => (m.role === 'assistant' ? (m.content ?? '') : ''))
      .join('');
    // With strict calls the reply is a call, so the one allowed turn ends at the turn limit,
    // which the editor is told in a notice of its own after the reply.
    const shown = updates.slice(0, firstUpdates).map(chunkText).join('');
    assert.equal(shown.replace(/\n\[turn_limit: [^\]]*\]$/, ''), said);
  } finally {
    cleanup();
  }
});

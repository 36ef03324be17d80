// Streaming against a real SSE server started here: pieces reach the caller as they come,
// tool-call deltas are assembled, usage comes from the last chunk, the result (and the
// whole trajectory) is identical to a non-streamed run's, and a stream cut mid-reply is a
// clear error that loses nothing already recorded (or is retried when retries are left).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { runAgent } from '../harness/agent.js';
import type { AgentEvent } from '../harness/events.js';
import { Session } from '../harness/session.js';
import { CLI, copyFixtureRepo } from '../harness/test-utils.js';
import type { Trajectory } from '../harness/trajectory.js';
import type { Message } from '../messages.js';
import { createSandbox } from '../sandbox/index.js';
import { type ModelDelta, ModelError } from './model.js';
import { createOpenAIModel } from './openai.js';
import { type ChatServer, chatBody, type Reply, startChatServer } from './test-chat-server.js';

const run = promisify(execFile);
const servers: ChatServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));
async function serve(replies: Reply[]) {
  const s = await startChatServer(replies);
  servers.push(s);
  return s;
}
const model = (s: ChatServer, stream: boolean, maxRetries = 0) =>
  createOpenAIModel({
    baseUrl: s.baseUrl,
    model: 'm',
    env: {},
    stream,
    maxRetries,
    initialBackoffMs: 1,
  });

const chunk = (delta: object, finish: string | null = null) => ({
  id: 'chatcmpl-s',
  object: 'chat.completion.chunk',
  choices: [{ index: 0, delta, finish_reason: finish }],
});
const usage = { prompt_tokens: 50, completion_tokens: 20 };

/** One reply with text and two tool calls, as a stream and as a whole body. */
function reply(calls: [id: string, name: string, args: string][]) {
  const events: unknown[] = [chunk({ role: 'assistant', content: '' })];
  for (const piece of ['Let me ', 'look ', 'first.']) events.push(chunk({ content: piece }));
  for (const [i, [id, name, args]] of calls.entries()) {
    const half = Math.floor(args.length / 2);
    events.push(
      chunk({
        tool_calls: [{ index: i, id, type: 'function', function: { name, arguments: '' } }],
      }),
    );
    events.push(
      chunk({ tool_calls: [{ index: i, function: { arguments: args.slice(0, half) } }] }),
    );
    events.push(chunk({ tool_calls: [{ index: i, function: { arguments: args.slice(half) } }] }));
  }
  events.push(chunk({}, 'tool_calls'), { id: 'chatcmpl-s', choices: [], usage }, '[DONE]');
  const body = chatBody(
    {
      content: 'Let me look first.',
      tool_calls: calls.map(([id, name, args]) => ({
        id,
        type: 'function',
        function: { name, arguments: args },
      })),
    },
    { usage },
  );
  return { events, body };
}

const turn1 = reply([
  ['call_a', 'read', '{"path":"package.json"}'],
  ['call_b', 'bash', '{"command":"echo streamed"}'],
]);
const turn2 = reply([['call_c', 'finish', '{"summary":"done"}']]);
const messages: Message[] = [{ role: 'user', content: 'hi' }];

test('deltas arrive in order and assemble into the non-streamed response', async () => {
  const s = await serve([{ events: turn1.events }, { body: turn1.body }]);
  const deltas: ModelDelta[] = [];
  const streamed = await model(s, true).complete({
    messages,
    tools: [],
    onDelta: (d) => deltas.push(d),
  });
  const whole = await model(s, true).complete({ messages, tools: [] });
  assert.deepEqual(streamed, whole);
  assert.equal(streamed.usage.promptTokens, 50);
  assert.equal(streamed.usage.estimated, false);
  assert.equal(deltas.flatMap((d) => ('text' in d ? [d.text] : [])).join(''), 'Let me look first.');
  const args = deltas.flatMap((d) =>
    'toolCall' in d && d.toolCall.index === 1 ? [d.toolCall.arguments ?? ''] : [],
  );
  assert.equal(args.join(''), '{"command":"echo streamed"}');
  const first = deltas.find((d) => 'toolCall' in d);
  assert.deepEqual(first, { toolCall: { index: 0, id: 'call_a', name: 'read' } });
  // Streaming was asked for, with usage; the caller without onDelta got a plain request.
  assert.equal(s.requests[0].body.stream, true);
  assert.deepEqual(s.requests[0].body.stream_options, { include_usage: true });
  assert.equal(s.requests[1].body.stream, false);
});

test('a streamed run records the same trajectory as a non-streamed one', async () => {
  const run = async (replies: Reply[], stream: boolean) => {
    const { dir, cleanup } = copyFixtureRepo('calc-repo');
    try {
      const s = await serve(replies);
      const events: AgentEvent[] = [];
      const t = await runAgent('go', model(s, stream), createSandbox('none', dir), {
        onEvent: (e) => events.push(e),
      });
      return { t, events };
    } finally {
      cleanup();
    }
  };
  const a = await run([{ events: turn1.events }, { events: turn2.events }], true);
  const b = await run([{ body: turn1.body }, { body: turn2.body }], false);
  assert.equal(a.t.status, 'submitted');
  assert.deepEqual(a.t.messages, b.t.messages);
  const strip = (t: Trajectory) =>
    t.turns.map(({ modelMs, tools, ...rest }) => ({
      ...rest,
      tools: tools.map(({ ms, ...x }) => x),
    }));
  assert.deepEqual(strip(a.t), strip(b.t));
  assert.deepEqual(a.t.usage, b.t.usage);
  assert.ok(a.events.some((e) => e.type === 'model.delta'));
  assert.ok(!b.events.some((e) => e.type === 'model.delta'));
});

test('a stream cut mid-reply: a clear error, the turns before it kept on disk', async () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  try {
    const s = await serve([{ events: turn1.events }, { events: turn2.events, cutAfter: 5 }]);
    const path = join(dirname(dir), 'cut.json');
    const t = await runAgent('go', model(s, true), createSandbox('none', dir), {
      trajectoryPath: path,
    });
    assert.equal(t.status, 'error');
    assert.match(
      t.message ?? '',
      /stream was cut before the reply was complete \(18 chars of text, 1 tool call\(s\) begun, no \[DONE\]\)/,
    );
    const saved = JSON.parse(readFileSync(path, 'utf8')) as Trajectory;
    assert.equal(saved.status, 'error');
    assert.equal(saved.turns.length, 1);
    assert.deepEqual(
      saved.messages.map((m) => m.role),
      ['system', 'user', 'assistant', 'tool', 'tool'],
    );
    assert.match(saved.messages[4].content as string, /streamed/);
  } finally {
    cleanup();
  }
});

test('a cut stream with retries left restarts the reply: same result, a restart piece first', async () => {
  const s = await serve([{ events: turn1.events, cutAfter: 6 }, { events: turn1.events }]);
  const deltas: ModelDelta[] = [];
  const r = await model(s, true, 1).complete({
    messages,
    tools: [],
    onDelta: (d) => deltas.push(d),
  });
  const restart = deltas.findIndex((d) => 'restart' in d);
  assert.ok(restart > 0);
  assert.match((deltas[restart] as { restart: string }).restart, /cut/);
  const after = deltas.slice(restart + 1).flatMap((d) => ('text' in d ? [d.text] : []));
  assert.equal(after.join(''), 'Let me look first.');
  assert.equal(r.message.tool_calls?.length, 2);
  assert.equal(s.requests.length, 2);
});

test('malformed events and mid-stream errors are precise errors', async () => {
  const s = await serve([
    { events: [chunk({ content: 'a' }), '{not json'] },
    { events: [chunk({ content: 'a' }), { error: { message: 'out of memory' } }] },
  ]);
  const m = model(s, true);
  const go = () => m.complete({ messages, tools: [], onDelta: () => {} });
  await assert.rejects(
    go(),
    (e: Error) => e instanceof ModelError && /an event is not JSON: \{not json/.test(e.message),
  );
  await assert.rejects(
    go(),
    (e: Error) => e instanceof ModelError && /failed mid-stream: out of memory/.test(e.message),
  );
});

test('cancelling during a stream ends the send at once; the session stays usable', async () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  try {
    // The first reply stalls after two text pieces and never ends.
    const s = await serve([{ events: turn1.events, stallAfter: 3 }, { events: turn2.events }]);
    const ac = new AbortController();
    const texts: string[] = [];
    const session = await Session.start(model(s, true), createSandbox('none', dir), {
      onEvent: (e) => {
        if (e.type === 'model.delta' && 'text' in e && texts.push(e.text) === 2) ac.abort();
      },
    });
    const started = Date.now();
    const r = await session.send('go', { signal: ac.signal });
    assert.equal(r.status, 'cancelled');
    assert.deepEqual(texts, ['Let me ', 'look ']);
    assert.ok(Date.now() - started < 5000);
    // Nothing half-received is recorded.
    assert.deepEqual(
      session.trajectory.messages.map((m) => m.role),
      ['system', 'user'],
    );
    assert.equal(session.trajectory.exitCode, 130);
    const r2 = await session.send('again');
    assert.equal(r2.status, 'submitted');
    await session.close();
  } finally {
    cleanup();
  }
});

test('loopsmith run --stream --json: streamed pieces as events, same trajectory on disk', async () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  try {
    const s = await serve([{ events: turn1.events }, { events: turn2.events }]);
    const traj = join(dirname(dir), 'cli.json');
    const { stdout } = await run(
      process.execPath,
      [
        CLI,
        'run',
        '--repo',
        dir,
        '--model',
        'm',
        '--base-url',
        s.baseUrl,
        '--stream',
        // Given, so the CLI does not ask the server (this test server answers every path as chat).
        '--context-window',
        '100000',
        '--json',
        '--trajectory',
        traj,
        'go',
      ],
      {
        env: {
          ...process.env,
          LOOPSMITH_CONFIG: '',
          XDG_CONFIG_HOME: '/nonexistent',
          XDG_STATE_HOME: join(dirname(dir), 'state'),
        },
      },
    );
    const events = stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as AgentEvent);
    const text = events.flatMap((e) => (e.type === 'model.delta' && 'text' in e ? [e.text] : []));
    assert.equal(text.join(''), 'Let me look first.Let me look first.');
    assert.equal(s.requests[0].body.stream, true);
    const t = JSON.parse(readFileSync(traj, 'utf8')) as Trajectory;
    assert.equal(t.status, 'submitted');
    assert.deepEqual(
      t.turns.map((x) => x.usage.promptTokens),
      [50, 50],
    );
  } finally {
    cleanup();
  }
});

// The session API: follow-up messages continue one conversation, a cancel kills the running
// command and keeps the session, a saved trajectory resumes, streamed pieces reach the
// event sink, and commands outside the sandbox wait for approval.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import type { AssistantMessage, Message, ToolCall } from '../messages.js';
import type { CompletionRequest, Model } from '../providers/model.js';
import { bwrapAvailable, createSandbox } from '../sandbox/index.js';
import type { ApprovalRequest } from './approval.js';
import type { AgentEvent } from './events.js';
import { Session } from './session.js';
import { copyFixtureRepo } from './test-utils.js';
import type { Trajectory } from './trajectory.js';

let n = 0;
const call = (name: string, args: object): ToolCall => ({
  id: `c${++n}`,
  type: 'function',
  function: { name, arguments: JSON.stringify(args) },
});
const reply = (...calls: ToolCall[]): AssistantMessage => ({
  role: 'assistant',
  content: null,
  tool_calls: calls,
});

/** Plays `turns` in order and keeps a copy of every request. */
function scripted(turns: AssistantMessage[]): Model & { seen: CompletionRequest[] } {
  const seen: CompletionRequest[] = [];
  return {
    id: 'scripted-test',
    seen,
    async complete(req) {
      seen.push(structuredClone({ messages: req.messages, tools: req.tools }));
      const m = turns[seen.length - 1];
      if (!m) throw new Error('out of turns');
      if (m.content) for (const piece of m.content.split(/(?<= )/)) req.onDelta?.({ text: piece });
      return {
        message: structuredClone(m),
        usage: { promptTokens: 10, completionTokens: 2, estimated: false },
      };
    },
  };
}

const answered = (messages: Message[]) => {
  const calls = messages.flatMap((m) => (m.role === 'assistant' ? (m.tool_calls ?? []) : []));
  const results = new Set(messages.flatMap((m) => (m.role === 'tool' ? [m.tool_call_id] : [])));
  return calls.every((c) => results.has(c.id));
};

test('a follow-up message continues the same conversation', async () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  try {
    const model = scripted([
      reply(call('write', { path: 'a.txt', content: 'one\n' })),
      reply(call('finish', { summary: 'wrote a' })),
      reply(call('bash', { command: 'cat a.txt' })),
      reply(call('finish', { summary: 'read a' })),
    ]);
    const events: AgentEvent[] = [];
    const s = await Session.start(model, createSandbox('none', dir), {
      onEvent: (e) => events.push(e),
    });
    const r1 = await s.send('write a.txt');
    assert.deepEqual(r1, { status: 'submitted', summary: 'wrote a', turns: 2 });
    const r2 = await s.send('now show it');
    assert.equal(r2.status, 'submitted');
    assert.equal(r2.summary, 'read a');
    const t = await s.close();
    // The second send's first request is the whole first conversation plus the new message.
    const third = model.seen[2].messages;
    assert.deepEqual(third, t.messages.slice(0, 7));
    assert.deepEqual(third.slice(0, 4), model.seen[1].messages);
    assert.deepEqual(third.at(-1), { role: 'user', content: 'now show it' });
    assert.deepEqual(
      t.turns.map((x) => x.turn),
      [1, 2, 3, 4],
    );
    assert.match(t.messages[8].content as string, /one/);
    assert.equal(t.task, 'write a.txt');
    assert.match(t.diff, /a\.txt/);
    assert.deepEqual(
      events
        .filter((e) => e.type === 'send.completed')
        .map((e) => e.type === 'send.completed' && e.status),
      ['submitted', 'submitted'],
    );
    assert.equal(events.at(-1)?.type, 'session.completed');
  } finally {
    cleanup();
  }
});

test('streamed text reaches the event sink; replyEndsTurn ends a send on a plain answer', async () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  try {
    const model = scripted([{ role: 'assistant', content: 'It is a calculator.' }]);
    const deltas: string[] = [];
    const s = await Session.start(model, createSandbox('none', dir), {
      replyEndsTurn: true,
      onEvent: (e) => {
        if (e.type === 'model.delta' && 'text' in e) deltas.push(e.text);
      },
    });
    const r = await s.send('what is this repo?');
    assert.equal(r.status, 'replied');
    assert.equal(deltas.join(''), 'It is a calculator.');
    assert.equal(deltas.length, 4);
    const t = await s.close();
    assert.equal(t.messages.length, 3);
    assert.equal(t.exitCode, 0);
  } finally {
    cleanup();
  }
});

test('cancel kills the running sandboxed command, keeps the session and a valid history', {
  skip: !bwrapAvailable().ok && 'bubblewrap not usable',
}, async () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  try {
    const marker = `31.${process.pid}`;
    const model = scripted([
      reply(call('bash', { command: `sleep ${marker}` }), call('read', { path: 'package.json' })),
      reply(call('finish', { summary: 'after cancel' })),
    ]);
    const path = join(dirname(dir), 'cancel.json');
    const s = await Session.start(model, createSandbox('bwrap', dir), { trajectoryPath: path });
    const ac = new AbortController();
    const started = Date.now();
    const running = s.send('sleep', { signal: ac.signal });
    // Cancel once the command is running.
    for (let i = 0; i < 100 && !pgrep(marker); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(pgrep(marker), 'the command never started');
    ac.abort();
    const r = await running;
    assert.equal(r.status, 'cancelled');
    assert.ok(Date.now() - started < 10_000);
    assert.equal(pgrep(marker), false, 'the command survived the cancel');
    const saved = JSON.parse(readFileSync(path, 'utf8')) as Trajectory;
    assert.equal(saved.status, 'cancelled');
    assert.equal(saved.exitCode, 130);
    assert.ok(answered(saved.messages), 'a tool call was left without an answer');
    const tools = saved.messages.filter((m) => m.role === 'tool');
    assert.match(tools[0].content, /interrupted: cancelled by the user/);
    assert.match(tools[1].content, /Not run: cancelled by the user/);
    // The session goes on.
    const r2 = await s.send('carry on');
    assert.equal(r2.status, 'submitted');
    assert.deepEqual(model.seen[1].messages.at(-1), { role: 'user', content: 'carry on' });
    await s.close();
  } finally {
    cleanup();
  }
});

function pgrep(pattern: string): boolean {
  try {
    execFileSync('pgrep', ['-f', `sleep ${pattern}`]);
    return true;
  } catch {
    return false;
  }
}

test('a saved trajectory resumes: same id, history extended, turn numbers continued', async () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  try {
    const path = join(dirname(dir), 'resume.json');
    const first = scripted([reply(call('finish', { summary: 'one' }))]);
    const s1 = await Session.start(first, createSandbox('none', dir), { trajectoryPath: path });
    await s1.send('first task');
    const t1 = await s1.close();
    const saved = JSON.parse(readFileSync(path, 'utf8')) as Trajectory;
    const second = scripted([reply(call('list', {})), reply(call('finish', { summary: 'two' }))]);
    const events: AgentEvent[] = [];
    const s2 = await Session.resume(saved, second, createSandbox('none', dir), {
      trajectoryPath: path,
      onEvent: (e) => events.push(e),
    });
    assert.equal(s2.id, t1.id);
    const r = await s2.send('follow-up');
    assert.equal(r.status, 'submitted');
    const t2 = await s2.close();
    assert.deepEqual(second.seen[0].messages.slice(0, t1.messages.length), t1.messages);
    assert.deepEqual(
      t2.turns.map((x) => x.turn),
      [1, 2, 3],
    );
    assert.equal(t2.usage.totalTokens, 36);
    const e0 = events[0];
    assert.ok(e0.type === 'session.started' && e0.resumed);
    assert.deepEqual((JSON.parse(readFileSync(path, 'utf8')) as Trajectory).messages, t2.messages);
  } finally {
    cleanup();
  }
});

test('unsandboxed commands wait for approval: yes, no, always', async () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  try {
    const asked: ApprovalRequest[] = [];
    const answers = ['yes', 'no', 'always'] as const;
    const model = scripted([
      reply(call('bash', { command: 'echo first' })),
      reply(call('bash', { command: 'echo declined > no.txt' })),
      reply(call('bash', { command: 'echo again' }), call('bash', { command: 'echo again' })),
      reply(call('finish', { summary: 'done' })),
    ]);
    const s = await Session.start(model, createSandbox('none', dir), {
      approve: async (req) => {
        asked.push(req);
        return answers[asked.length - 1];
      },
    });
    await s.send('approvals');
    const t = await s.close();
    assert.deepEqual(
      asked.map((a) => [a.command, a.reason]),
      [
        ['echo first', 'unsandboxed'],
        ['echo declined > no.txt', 'unsandboxed'],
        ['echo again', 'unsandboxed'],
      ],
    );
    const tools = t.messages.filter((m) => m.role === 'tool').map((m) => m.content);
    assert.match(tools[0], /^first/);
    assert.match(tools[1], /declined/);
    assert.match(tools[2], /^again/);
    assert.match(tools[3], /^again/); // "always": not asked a second time
    assert.doesNotMatch(t.diff, /no\.txt/);
  } finally {
    cleanup();
  }
});

test('a command marked as needing the host asks, then runs outside bubblewrap', {
  skip: !bwrapAvailable().ok && 'bubblewrap not usable',
}, async () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  try {
    const asked: ApprovalRequest[] = [];
    const model = scripted([
      reply(
        call('bash', { command: 'hostname' }),
        call('bash', { command: 'cat /proc/sys/kernel/hostname' }),
      ),
      reply(call('finish', { summary: 'done' })),
    ]);
    const s = await Session.start(model, createSandbox('bwrap', dir), {
      hostCommands: ['hostname'],
      hostSandbox: createSandbox('none', dir),
      approve: async (req) => {
        asked.push(req);
        return 'yes';
      },
    });
    await s.send('where am I');
    const t = await s.close();
    assert.deepEqual(
      asked.map((a) => [a.command, a.reason]),
      [['hostname', 'host-command']],
    );
    const [host, sandboxed] = t.messages.filter((m) => m.role === 'tool').map((m) => m.content);
    assert.match(sandboxed, /^sandbox\n/);
    assert.doesNotMatch(host, /^sandbox\n/);
  } finally {
    cleanup();
  }
});

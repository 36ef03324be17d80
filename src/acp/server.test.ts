// `loopsmith acp` driven by the official SDK's client side over stdio, as an editor would:
// a session, a prompt with streamed text and tool-call updates, a permission request answered
// both ways, the editor's unsaved buffer edited through fs/read + fs/write, a follow-up that
// is cancelled during a long command (killed), and the trajectory saved outside the repo.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { test } from 'node:test';
import {
  type ClientContext,
  client,
  type McpServer,
  ndJsonStream,
  type SessionUpdate,
} from '@agentclientprotocol/sdk';
import { writeTestMcpServer } from '../harness/mcp/test-server.js';
import { CLI, copyFixtureRepo, writeScript } from '../harness/test-utils.js';
import type { Trajectory } from '../harness/trajectory.js';
import { bwrapAvailable } from '../sandbox/index.js';

test('an ACP client runs a session: updates, permissions, client fs, follow-up, cancel', async () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  const base = dirname(dir);
  const state = join(base, 'state');
  const script = writeScript(base, [
    [['bash', { command: 'echo hi from $0' }]],
    [['bash', { command: 'touch rejected' }]],
    [
      [
        'edit',
        { path: 'src/stats.js', old_string: '// unsaved', new_string: '// edited by the agent' },
      ],
    ],
    'All done.',
    [['bash', { command: 'sleep 30; touch slept' }]],
    'never reached',
  ]);
  const child = spawn(
    process.execPath,
    [CLI, 'acp', '--model', `scripted:${script}`, '--sandbox', 'none'],
    {
      cwd: dir,
      env: { ...process.env, LOOPSMITH_CONFIG: '', LOOPSMITH_MODEL: '', XDG_STATE_HOME: state },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const diskText = readFileSync(join(dir, 'src/stats.js'), 'utf8');
  const buffers = new Map([[join(dir, 'src/stats.js'), `${diskText}// unsaved\n`]]);
  const written = new Map<string, string>();
  const updates: SessionUpdate[] = [];
  const asked: string[] = [];
  let onUpdate = () => {};
  try {
    const stream = ndJsonStream(
      Writable.toWeb(child.stdin) as WritableStream<Uint8Array>,
      Readable.toWeb(child.stdout) as unknown as ReadableStream<Uint8Array>,
    );
    await client({ name: 'test-editor' })
      .onNotification('session/update', ({ params }) => {
        updates.push(params.update);
        onUpdate();
      })
      .onRequest('session/request_permission', ({ params }) => {
        const title = params.toolCall.title ?? '';
        asked.push(title);
        assert.deepEqual(
          params.options.map((o) => o.kind),
          ['allow_once', 'allow_always', 'reject_once'],
        );
        const optionId = title.includes('rejected') ? 'no' : 'yes';
        return { outcome: { outcome: 'selected', optionId } };
      })
      .onRequest('fs/read_text_file', ({ params }) => ({
        content: buffers.get(params.path) ?? readFileSync(params.path, 'utf8'),
      }))
      .onRequest('fs/write_text_file', ({ params }) => {
        written.set(params.path, params.content);
        buffers.set(params.path, params.content);
      })
      .connectWith(stream, async (agent) => {
        const init = await agent.request('initialize', {
          protocolVersion: 1,
          clientCapabilities: { fs: { readTextFile: true, writeTextFile: true } },
        });
        assert.equal(init.protocolVersion, 1);
        assert.equal(init.agentInfo?.name, 'loopsmith');
        const { sessionId } = await agent.request('session/new', { cwd: dir, mcpServers: [] });

        const r1 = await agent.request('session/prompt', {
          sessionId,
          prompt: [{ type: 'text', text: 'Say hi, then mark the unsaved line as edited.' }],
        });
        assert.equal(r1.stopReason, 'end_turn');
        const calls = updates.filter((u) => u.sessionUpdate === 'tool_call');
        assert.deepEqual(
          calls.map((u) => u.sessionUpdate === 'tool_call' && [u.title, u.kind]),
          [
            ['echo hi from $0', 'execute'],
            ['touch rejected', 'execute'],
            ['edit src/stats.js', 'edit'],
          ],
        );
        const results = updates.filter((u) => u.sessionUpdate === 'tool_call_update');
        const text = (u: SessionUpdate) =>
          u.sessionUpdate === 'tool_call_update' &&
          u.content?.[0]?.type === 'content' &&
          u.content[0].content.type === 'text'
            ? u.content[0].content.text
            : '';
        assert.match(text(results[0]), /hi from bash/);
        assert.equal(
          results[0].sessionUpdate === 'tool_call_update' && results[0].status,
          'completed',
        );
        assert.match(text(results[1]), /declined/);
        assert.ok(!existsSync(join(dir, 'rejected')), 'a declined command does not run');
        assert.equal(
          results[2].sessionUpdate === 'tool_call_update' && results[2].status,
          'completed',
          text(results[2]),
        );
        assert.deepEqual(asked, ['echo hi from $0', 'touch rejected']);
        const said = updates
          .map((u) =>
            u.sessionUpdate === 'agent_message_chunk' && u.content.type === 'text'
              ? u.content.text
              : '',
          )
          .join('');
        assert.match(said, /All done\./);
        // The edit applied to the editor's unsaved text, and went back to the editor.
        const after = written.get(join(dir, 'src/stats.js'));
        assert.equal(after, `${diskText}// edited by the agent\n`);
        // The editor is shown the edit as a diff from its own buffer.
        const editDone = results[2];
        assert.deepEqual(editDone.sessionUpdate === 'tool_call_update' && editDone.content?.[0], {
          type: 'diff',
          path: join(dir, 'src/stats.js'),
          oldText: `${diskText}// unsaved\n`,
          newText: after,
        });

        // The follow-up continues the session; cancel it while its command runs.
        const started = new Promise<void>((resolve) => {
          onUpdate = () => {
            if (updates.at(-1)?.sessionUpdate === 'tool_call') resolve();
          };
        });
        const t0 = Date.now();
        const p2 = agent.request('session/prompt', {
          sessionId,
          prompt: [{ type: 'text', text: 'Now wait.' }],
        });
        await started;
        await new Promise((r) => setTimeout(r, 300));
        await agent.notify('session/cancel', { sessionId });
        const r2 = await p2;
        assert.equal(r2.stopReason, 'cancelled');
        assert.ok(Date.now() - t0 < 15_000, 'the command was killed, not waited for');
      });
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(!existsSync(join(dir, 'slept')), 'the cancelled command is dead');
    // The trajectory is in the state dir, not the repository, with both prompts in it.
    assert.ok(!existsSync(join(dir, '.loopsmith')), 'nothing written into the repository');
    const sessionsDir = join(state, 'loopsmith', 'sessions');
    const [repoKey] = readdirSync(sessionsDir);
    const [id] = readdirSync(join(sessionsDir, repoKey));
    const t = JSON.parse(
      readFileSync(join(sessionsDir, repoKey, id, 'trajectory.json'), 'utf8'),
    ) as Trajectory;
    const users = t.messages.filter((m) => m.role === 'user').map((m) => m.content);
    assert.match(users[0], /Say hi/);
    assert.equal(users.at(-1), 'Now wait.');
  } catch (e) {
    throw new Error(`${(e as Error).stack}\nagent stderr:\n${stderr}`);
  } finally {
    child.kill();
    cleanup();
  }
});

test('bad flags are a one-line usage error (exit 2)', async () => {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(
    process.execPath,
    [CLI, 'acp', '--model', 'scripted:x.json', '--sandbox', 'docker'],
    {
      encoding: 'utf8',
      env: { ...process.env, LOOPSMITH_CONFIG: '' },
    },
  );
  assert.equal(r.status, 2);
  assert.equal(r.stderr, 'loopsmith acp: --sandbox must be bwrap or none, got "docker"\n');
});

test('editor-named MCP servers join the tools; session/load replays and continues a saved session', async () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  const base = dirname(dir);
  const server = writeTestMcpServer(base);
  const mcpServers: McpServer[] = [
    { name: 'calc', command: server.command, args: server.args ?? [], env: [] },
  ];
  const script = writeScript(base, [[['calc__add', { a: 2, b: 3 }]], 'Five.']);
  const sandbox = bwrapAvailable().ok ? 'bwrap' : 'none';
  const state = join(base, 'state');
  // One agent process per editor connection, as an editor restarts it.
  const session = async (op: (agent: ClientContext) => Promise<void>) => {
    const child = spawn(
      process.execPath,
      [CLI, 'acp', '--model', `scripted:${script}`, '--sandbox', sandbox],
      {
        cwd: dir,
        env: { ...process.env, LOOPSMITH_CONFIG: '', XDG_STATE_HOME: state },
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    const updates: SessionUpdate[] = [];
    try {
      await client({ name: 'test-editor' })
        .onNotification('session/update', ({ params }) => {
          updates.push(params.update);
        })
        .connectWith(
          ndJsonStream(
            Writable.toWeb(child.stdin) as WritableStream<Uint8Array>,
            Readable.toWeb(child.stdout) as unknown as ReadableStream<Uint8Array>,
          ),
          op,
        );
    } finally {
      child.kill();
    }
    return updates;
  };
  const textOf = (u: SessionUpdate | undefined) =>
    u && 'content' in u && u.content && !Array.isArray(u.content) && u.content.type === 'text'
      ? u.content.text
      : undefined;
  try {
    let id = '';
    const first = await session(async (agent) => {
      await agent.request('initialize', { protocolVersion: 1, clientCapabilities: {} });
      id = (await agent.request('session/new', { cwd: dir, mcpServers })).sessionId;
      const r = await agent.request('session/prompt', {
        sessionId: id,
        prompt: [{ type: 'text', text: 'add 2 and 3' }],
      });
      assert.equal(r.stopReason, 'end_turn');
    });
    const call = first.find((u) => u.sessionUpdate === 'tool_call');
    assert.equal(call?.sessionUpdate === 'tool_call' && call.title, 'calc__add');
    const done = first.find((u) => u.sessionUpdate === 'tool_call_update');
    assert.deepEqual(done?.sessionUpdate === 'tool_call_update' && done.content, [
      { type: 'content', content: { type: 'text', text: '5' } },
    ]);

    // A new connection loads the saved session: its history comes back as updates, then it goes on.
    const second = await session(async (agent) => {
      const init = await agent.request('initialize', {
        protocolVersion: 1,
        clientCapabilities: {},
      });
      assert.equal(init.agentCapabilities?.loadSession, true);
      await agent.request('session/load', { sessionId: id, cwd: dir, mcpServers });
      const r = await agent.request('session/prompt', {
        sessionId: id,
        prompt: [{ type: 'text', text: 'once more' }],
      });
      assert.equal(r.stopReason, 'end_turn');
      await assert.rejects(
        agent.request('session/load', { sessionId: 'nope', cwd: dir, mcpServers: [] }),
      );
    });
    assert.deepEqual(
      second
        .slice(0, 3)
        .map((u) => [u.sessionUpdate, textOf(u) ?? (u.sessionUpdate === 'tool_call' && u.title)]),
      [
        ['user_message_chunk', 'add 2 and 3'],
        ['tool_call', 'calc__add'],
        ['agent_message_chunk', 'Five.'],
      ],
    );
    const [repoKey] = readdirSync(join(state, 'loopsmith', 'sessions'));
    const t = JSON.parse(
      readFileSync(join(state, 'loopsmith', 'sessions', repoKey, id, 'trajectory.json'), 'utf8'),
    ) as Trajectory;
    assert.deepEqual(
      t.messages
        .filter((m) => m.role === 'user')
        .slice(1)
        .map((m) => m.content),
      ['once more'],
    );
    assert.equal(t.turns.length, 4);
  } finally {
    cleanup();
  }
});

// MCP servers through the real CLI: named in the user config, their tools in the request
// and the trajectory; a repository config naming one, or a server that does not start, is a
// one-line usage error (exit 2).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { writeTestMcpServer } from '../harness/mcp/test-server.js';
import { CLI, copyFixtureRepo, writeScript } from '../harness/test-utils.js';
import type { Trajectory } from '../harness/trajectory.js';

function cli(args: string[], config: string) {
  return spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, LOOPSMITH_CONFIG: config, LOOPSMITH_MODEL: '', LOOPSMITH_BASE_URL: '' },
    timeout: 60_000,
  });
}

test('an MCP tool from the user config is called by the model and recorded', () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  try {
    const base = dirname(dir);
    const config = join(base, 'config.json');
    writeFileSync(config, JSON.stringify({ mcpServers: { calc: writeTestMcpServer(base) } }));
    const script = writeScript(base, [
      [['calc__add', { a: 20, b: 22 }]],
      [['calc__add', { a: 'x' }]],
      [['finish', { summary: 'done' }]],
    ]);
    const traj = join(base, 't.json');
    const r = cli(
      [
        'run',
        '--repo',
        dir,
        '--model',
        `scripted:${script}`,
        '--sandbox',
        'none',
        '--yes',
        '--trajectory',
        traj,
        'add',
      ],
      config,
    );
    assert.equal(r.status, 0, r.stderr);
    const t = JSON.parse(readFileSync(traj, 'utf8')) as Trajectory;
    assert.deepEqual(
      t.tools.map((x) => x.function.name),
      [
        'read',
        'list',
        'search',
        'edit',
        'write',
        'bash',
        'finish',
        'calc__add',
        'calc__fail',
        'calc__lines',
        'calc__sleep',
        'calc__calls',
      ],
    );
    const results = t.messages.filter((m) => m.role === 'tool').map((m) => m.content);
    assert.equal(results[0], '42');
    assert.match(results[1], /invalid arguments for calc__add/);
    assert.equal(t.turns[1].tools[0].formatError, true);
  } finally {
    cleanup();
  }
});

test('mcpServers in the repository config is refused (exit 2, one line naming the file)', () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  try {
    writeFileSync(
      join(dir, 'loopsmith.config.json'),
      JSON.stringify({ mcpServers: { evil: { command: 'touch', args: ['/tmp/pwned'] } } }),
    );
    const r = cli(
      ['run', '--repo', dir, '--model', 'scripted:/dev/null', '--sandbox', 'none', '--yes', 'x'],
      '',
    );
    assert.equal(r.status, 2);
    assert.match(r.stderr, /loopsmith\.config\.json: mcpServers: MCP servers run on the host/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  } finally {
    cleanup();
  }
});

test('a server that does not start is a usage error naming it, without a stack trace', () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  try {
    const config = join(dirname(dir), 'config.json');
    writeFileSync(
      config,
      JSON.stringify({ mcpServers: { gone: { command: '/nonexistent/server' } } }),
    );
    const script = writeScript(dirname(dir), [[['finish', { summary: 'x' }]]]);
    const r = cli(
      ['run', '--repo', dir, '--model', `scripted:${script}`, '--sandbox', 'none', '--yes', 'x'],
      config,
    );
    assert.equal(r.status, 2);
    assert.match(r.stderr, /MCP server "gone" \(\/nonexistent\/server\) did not start/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  } finally {
    cleanup();
  }
});

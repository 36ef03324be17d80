// End-to-end through the real CLI: scripted models, real tools, the real sandbox, exit codes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import type { AgentEvent } from '../harness/events.js';
import { CLI, copyFixtureRepo, fixture, writeScript } from '../harness/test-utils.js';
import type { Trajectory } from '../harness/trajectory.js';
import { bwrapAvailable } from '../sandbox/index.js';

const SANDBOX = bwrapAvailable().ok ? 'bwrap' : 'none';
// Sessions saved by these runs go to a throwaway state directory, not the tester's home.
const STATE = mkdtempSync(join(tmpdir(), 'loopsmith-state-'));
after(() => rmSync(STATE, { recursive: true, force: true }));

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      LOOPSMITH_CONFIG: '',
      LOOPSMITH_MODEL: '',
      LOOPSMITH_BASE_URL: '',
      XDG_CONFIG_HOME: '/nonexistent',
      XDG_STATE_HOME: STATE,
      ...env,
    },
    timeout: 120_000,
  });
  const events = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as AgentEvent);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, events };
}

test('a scripted model fixes a failing test end to end (exit 0, right diff, trajectory, ATIF)', () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  try {
    const traj = join(dirname(dir), 'traj.json');
    const atif = join(dirname(dir), 'atif.json');
    const r = cli([
      'run',
      '--repo',
      dir,
      '--model',
      `scripted:${fixture('fix-mean.json')}`,
      '--sandbox',
      SANDBOX,
      '--json',
      '--trajectory',
      traj,
      '--atif',
      atif,
      'Fix the failing test in test/stats.test.js',
    ]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(r.events[0].type, 'session.started');
    assert.ok(r.events[0].type === 'session.started' && /^Fix the failing/.test(r.events[0].task));
    const last = r.events.at(-1)!;
    assert.equal(last.type, 'session.completed');
    assert.ok(last.type === 'session.completed' && last.status === 'submitted' && last.turns === 6);
    const types = new Set(r.events.map((e) => e.type));
    for (const t of [
      'turn.started',
      'model.response',
      'tool.started',
      'tool.completed',
      'turn.completed',
    ])
      assert.ok(types.has(t as AgentEvent['type']), t);
    // The first test run fails, the last passes: the observations came from real processes.
    const bashDone = r.events.filter((e) => e.type === 'tool.completed' && e.name === 'bash');
    assert.equal(bashDone.length, 2);
    assert.match(bashDone[1].type === 'tool.completed' ? bashDone[1].output : '', /# fail 0/);

    const t = JSON.parse(readFileSync(traj, 'utf8')) as Trajectory;
    assert.equal(t.status, 'submitted');
    assert.equal(t.exitCode, 0);
    assert.deepEqual(
      t.messages.slice(0, 2).map((m) => m.role),
      ['system', 'user'],
    );
    assert.match(t.messages[1].content as string, /AGENTS\.md/);
    assert.equal(t.tools.length, 7);
    assert.equal(t.turns.length, 6);
    assert.match(
      t.diff,
      /- {2}return total \/ \(values\.length - 1\);\n\+ {2}return total \/ values\.length;/,
    );
    assert.doesNotMatch(t.diff, /\.loopsmith/);
    assert.match(
      readFileSync(join(dir, 'src/stats.js'), 'utf8'),
      /return total \/ values\.length;/,
    );
    const a = JSON.parse(readFileSync(atif, 'utf8'));
    assert.equal(a.schema_version, 'ATIF-v1.4');
    assert.equal(a.steps.filter((s: { source: string }) => s.source === 'agent').length, 6);
    assert.equal(a.final_metrics.total_steps, a.steps.length);
  } finally {
    cleanup();
  }
});

test('usage errors exit 2 with a precise message', () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  try {
    let r = cli(['run', '--repo', dir, '--sandbox', 'none', 'do it']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no model given/);
    r = cli(['run', '--repo', dir, '--model', 'scripted:x.json', '--max-turns', 'many', 'do it']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--max-turns must be a positive number/);
    r = cli(['run', '--repo', join(dir, 'nope'), '--model', 'scripted:x.json', 'do it']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /does not exist/);
    r = cli(['run', '--repo', dir, '--model', 'scripted:x.json', '--sandbox', 'docker', 'do it']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--sandbox must be bwrap or none/);
    r = cli(['run', '--bogus-flag']);
    assert.equal(r.code, 2);
  } finally {
    cleanup();
  }
});

test('each limit ends the run with its own status and exit code', () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  const base = dirname(dir);
  const run = (turns: Parameters<typeof writeScript>[1], ...flags: string[]) =>
    cli([
      'run',
      '--repo',
      dir,
      '--sandbox',
      SANDBOX,
      '--json',
      '--model',
      `scripted:${writeScript(base, turns)}`,
      ...flags,
      'task',
    ]);
  const status = (r: ReturnType<typeof cli>) => {
    const last = r.events.at(-1);
    return last?.type === 'session.completed' ? last.status : undefined;
  };
  try {
    const ls: [string, Record<string, unknown>] = ['list', { path: '.' }];
    let r = run([[ls], [ls]]);
    assert.equal(r.code, 1, 'scripted model running out is an error');
    assert.equal(status(r), 'error');
    r = run([[ls], [ls], [ls], [ls]], '--max-turns', '2');
    assert.equal(r.code, 3);
    assert.equal(status(r), 'turn_limit');
    r = run([[ls], [ls], [ls]], '--max-tokens', '50');
    assert.equal(r.code, 4);
    assert.equal(status(r), 'token_limit');
    r = run([[['bash', { command: 'sleep 30', timeout: 60 }]], [ls]], '--timeout', '2');
    assert.equal(r.code, 5);
    assert.equal(status(r), 'time_limit');
  } finally {
    cleanup();
  }
});

test('malformed model output becomes an error observation; 3 in a row exit 6', () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  const base = dirname(dir);
  try {
    const bad: Parameters<typeof writeScript>[1] = [
      [['read', '{"path": "src/stats.js"']], // bad JSON
      [['teleport', { to: 'mars' }]], // unknown tool
      [['read', { offset: 'x' }]], // missing path, mistyped offset
      [['finish', { summary: 'never reached' }]],
    ];
    const r = cli([
      'run',
      '--repo',
      dir,
      '--sandbox',
      SANDBOX,
      '--json',
      '--model',
      `scripted:${writeScript(base, bad)}`,
      'task',
    ]);
    assert.equal(r.code, 6, r.stderr);
    const errors = r.events.filter((e) => e.type === 'tool.completed' && e.formatError);
    assert.equal(errors.length, 3);
    const outputs = errors.map((e) => (e.type === 'tool.completed' ? e.output : ''));
    assert.match(outputs[0], /JSON/i);
    assert.match(outputs[1], /teleport/);
    assert.match(outputs[1], /read/); // lists the tools that exist
    assert.match(outputs[2], /path/);

    // Two bad replies, then a good one: the count resets and the run goes on to finish.
    const recover: Parameters<typeof writeScript>[1] = [
      'I think it is fixed.',
      [['nope', {}]],
      [['list', { path: '.' }]],
      [['finish', { summary: 'done' }]],
    ];
    const r2 = cli([
      'run',
      '--repo',
      dir,
      '--sandbox',
      SANDBOX,
      '--json',
      '--model',
      `scripted:${writeScript(base, recover)}`,
      'task',
    ]);
    assert.equal(r2.code, 0, r2.stderr);
  } finally {
    cleanup();
  }
});

test('without bubblewrap the run refuses unless --sandbox none', () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  try {
    // No bwrap on PATH (the CLI itself is started by absolute path).
    const r = cli(
      ['run', '--repo', dir, '--model', `scripted:${fixture('fix-mean.json')}`, 'task'],
      { PATH: '/nonexistent' },
    );
    assert.equal(r.code, 2);
    assert.match(r.stderr, /apt-get install bubblewrap/);
    assert.match(r.stderr, /--sandbox none/);
  } finally {
    cleanup();
  }
});

// The interactive session in a real terminal (tmux): a task with streamed text, a command and
// a coloured edit; a follow-up whose long command Ctrl-C kills while the session lives on;
// /undo and /diff; /exit; then `--resume` of the saved session and Ctrl-C twice to leave.
// The model is scripted, so every screen is deterministic.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { CLI, copyFixtureRepo, writeScript } from '../../harness/test-utils.js';
import type { Trajectory } from '../../harness/trajectory.js';
import { bwrapAvailable } from '../../sandbox/index.js';

const HAS_TMUX = spawnSync('tmux', ['-V']).status === 0;
const SANDBOX = bwrapAvailable().ok ? 'bwrap' : 'none';
const SOCKET = `loopsmith-test-${process.pid}`;
const tmux = (...args: string[]) =>
  execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });

function start(name: string, cwd: string, env: Record<string, string>, args: string[]) {
  const vars = Object.entries(env).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  const cmd = `env ${vars.join(' ')} ${process.execPath} ${CLI} ${args.map((a) => JSON.stringify(a)).join(' ')}; echo "[exit $?]"; sleep 60`;
  tmux('new-session', '-d', '-s', name, '-x', '150', '-y', '50', '-c', cwd, cmd);
}
const screen = (name: string) => tmux('capture-pane', '-p', '-J', '-S', '-500', '-t', name);
const keys = (name: string, ...k: string[]) => tmux('send-keys', '-t', name, ...k);
const type = (name: string, text: string) => {
  keys(name, '-l', text);
  keys(name, 'Enter');
};

async function waitFor(name: string, re: RegExp, ms = 20_000): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const s = screen(name);
    if (re.test(s)) return s;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${re} on screen:\n${s}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const count = (s: string, re: RegExp) => (s.match(new RegExp(re, 'g')) ?? []).length;

test('interactive session in tmux: task, follow-up, Ctrl-C, /undo, /diff, resume', {
  skip: !HAS_TMUX && 'tmux not installed',
}, async () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  const base = dirname(dir);
  const marker = `m${process.pid}`;
  const script = writeScript(base, [
    [['bash', { command: 'echo checking' }]],
    [
      [
        'edit',
        {
          path: 'src/stats.js',
          old_string: 'let total = 0;',
          new_string: 'let total = 0; // running sum',
        },
      ],
    ],
    'I marked the running sum.',
    [['bash', { command: `sleep 40; echo ${marker} > late.txt` }]],
    'Noted the undo.',
  ]);
  const env = {
    XDG_STATE_HOME: join(base, 'state'),
    LOOPSMITH_CONFIG: '',
    LOOPSMITH_MODEL: '',
    NO_COLOR: '',
  };
  const original = readFileSync(join(dir, 'src/stats.js'), 'utf8');
  try {
    start('a', dir, env, ['--model', `scripted:${script}`, '--sandbox', SANDBOX, '--yes']);
    await waitFor('a', /› $/m);

    // A task: streamed text, the command with its exit code, the edit as a diff.
    type('a', 'mark the running sum');
    let s = await waitFor('a', /I marked the running sum\.[\s\S]*› $/m);
    assert.match(s, /\$ echo checking\n\s+exit 0/);
    assert.match(s, /edit src\/stats\.js/);
    assert.match(s, /^-\s+let total = 0;$/m);
    assert.match(s, /^\+\s+let total = 0; \/\/ running sum$/m);

    // A follow-up whose long command is cancelled with Ctrl-C: killed, the session lives on.
    type('a', 'now wait');
    await waitFor('a', /\$ sleep 40/);
    await new Promise((r) => setTimeout(r, 500));
    const t0 = Date.now();
    keys('a', 'C-c');
    s = await waitFor('a', /cancelled; the session goes on[\s\S]*› $/m, 10_000);
    assert.ok(Date.now() - t0 < 10_000);
    assert.match(s, /killed/);
    assert.equal(spawnSync('pgrep', ['-f', marker]).status, 1, 'the sleep is dead');

    // /undo puts the file back (the cancelled turn changed nothing, so the edit is undone).
    type('a', '/undo');
    await waitFor('a', /restored src\/stats\.js/);
    assert.equal(readFileSync(join(dir, 'src/stats.js'), 'utf8'), original);
    type('a', '/diff');
    await waitFor('a', /no changes since the session started/);
    type('a', 'thanks');
    await waitFor('a', /Noted the undo\./);
    type('a', '/tokens');
    await waitFor('a', /prompt \d+ · completion \d+/);
    type('a', '/exit');
    s = await waitFor('a', /\[exit 0\]/);
    const id = /session saved: (\S+)/.exec(s)?.[1];
    assert.ok(id, s);
    assert.ok(!existsSync(join(dir, 'late.txt')));
    assert.ok(!existsSync(join(dir, '.loopsmith')), 'nothing kept in the repository');

    // Resume the saved session: the conversation goes on in the same trajectory.
    const script2 = writeScript(base, ['Resumed and still here.']);
    // `loopsmith resume ID` in a terminal, without -m, continues interactively.
    start('b', dir, env, [
      'resume',
      id.slice(0, 8),
      '--model',
      `scripted:${script2}`,
      '--sandbox',
      SANDBOX,
    ]);
    await waitFor('b', /resumed: 5 turns, task "mark the running sum"/);
    type('b', 'are you there?');
    await waitFor('b', /Resumed and still here\.[\s\S]*› $/m);
    keys('b', 'C-c');
    await waitFor('b', /Ctrl-C again/);
    keys('b', 'C-c');
    s = await waitFor('b', /\[exit 0\]/);
    assert.equal(count(s, /session saved/), 1);

    const sessions = join(base, 'state', 'loopsmith', 'sessions');
    const [repoKey] = readdirSync(sessions);
    const t = JSON.parse(
      readFileSync(join(sessions, repoKey, id, 'trajectory.json'), 'utf8'),
    ) as Trajectory;
    const users = t.messages.filter((m) => m.role === 'user').map((m) => m.content);
    assert.match(users[0], /mark the running sum/);
    assert.equal(users[1], 'now wait');
    assert.match(users[2], /^\[The user undid the file changes[^\]]*src\/stats\.js\]\n\nthanks$/);
    assert.equal(users[3], 'are you there?');
    assert.equal(t.messages.at(-1)?.content, 'Resumed and still here.');
  } finally {
    spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
    cleanup();
  }
});

test('without a sandbox each command is asked first (no, yes, always); /compact', {
  skip: !HAS_TMUX && 'tmux not installed',
}, async () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  const base = dirname(dir);
  const script = writeScript(base, [
    [['bash', { command: 'touch declined.txt' }]],
    [['bash', { command: 'touch allowed.txt' }]],
    [['bash', { command: 'echo again' }]],
    [['bash', { command: 'echo again' }]],
    'Finished.',
    'Made two files; the user declined the first.',
  ]);
  const env = { XDG_STATE_HOME: join(base, 'state'), LOOPSMITH_CONFIG: '', LOOPSMITH_MODEL: '' };
  try {
    start('c', dir, env, ['--model', `scripted:${script}`, '--sandbox', 'none']);
    await waitFor('c', /› $/m);
    type('c', 'make two files');
    await waitFor(
      'c',
      /run on this machine \(no sandbox\)\? touch declined\.txt {2}\[y\]es \[n\]o \[a\]lways: $/m,
    );
    type('c', 'n');
    await waitFor('c', /Not run: the user declined this command/);
    await waitFor('c', /touch allowed\.txt {2}\[y\]es/);
    type('c', 'y');
    await waitFor('c', /echo again {2}\[y\]es/);
    type('c', 'a');
    const s = await waitFor('c', /Finished\.[\s\S]*› $/m);
    // `always` covers the same command later in the session: asked three times in all.
    assert.equal(count(s, /\[y\]es \[n\]o \[a\]lways/), 3);
    assert.ok(!existsSync(join(dir, 'declined.txt')));
    assert.ok(existsSync(join(dir, 'allowed.txt')));
    // /compact: the loop's own compaction, here a summary by the (scripted) model.
    type('c', '/compact');
    await waitFor('c', /compacted \(summary\): \d+ -> \d+ tokens/);
    type('c', '/exit');
    const saved = /session saved: (\S+)/.exec(await waitFor('c', /\[exit 0\]/))?.[1] as string;
    const sessions = join(base, 'state', 'loopsmith', 'sessions');
    const t = JSON.parse(
      readFileSync(join(sessions, readdirSync(sessions)[0], saved, 'trajectory.json'), 'utf8'),
    ) as Trajectory;
    assert.equal(t.compactions?.length, 1);
    assert.match(String(t.messages[1].content), /Made two files; the user declined the first\./);
  } finally {
    spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
    cleanup();
  }
});

test('replies stream into the terminal as the server sends them (SSE)', {
  skip: !HAS_TMUX && 'tmux not installed',
}, async () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  const base = dirname(dir);
  let release: () => void = () => {};
  const held = new Promise<void>((r) => {
    release = r;
  });
  const chunk = (delta: object, finish: string | null = null) =>
    `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  const server = createServer(async (req, res) => {
    for await (const _ of req);
    if (!req.url?.endsWith('/chat/completions')) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(chunk({ role: 'assistant', content: 'Streaming hello' }));
    await held; // the test reads the screen before the rest is sent
    res.write(chunk({ content: ' and goodbye.' }, 'stop'));
    res.end('data: [DONE]\n\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const env = { XDG_STATE_HOME: join(base, 'state'), LOOPSMITH_CONFIG: '', LOOPSMITH_MODEL: '' };
  try {
    start('d', dir, env, [
      '--model',
      'm',
      '--base-url',
      `http://127.0.0.1:${port}/v1`,
      '--sandbox',
      SANDBOX,
    ]);
    await waitFor('d', /› $/m);
    type('d', 'say hello');
    const s = await waitFor('d', /Streaming hello/);
    assert.doesNotMatch(s, /goodbye/);
    release();
    await waitFor('d', /Streaming hello and goodbye\.[\s\S]*› $/m);
    type('d', '/exit');
    await waitFor('d', /\[exit 0\]/);
  } finally {
    release();
    spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
    server.closeAllConnections();
    server.close();
    cleanup();
  }
});

test('the embedded model streams into the terminal; Ctrl-C mid-generation stops it', {
  skip: !HAS_TMUX && 'tmux not installed',
}, async () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  const base = dirname(dir);
  const ckpt = join(base, 'ckpt');
  // A real checkpoint as `loopsmith lm init` makes one; greedy decoding of its random weights
  // runs to the 512-token reply limit, long enough to watch and interrupt.
  const init = spawnSync(
    process.execPath,
    [CLI, 'lm', 'init', '--depth', '6', '--out', ckpt, '--corpus', 'src/harness'],
    { encoding: 'utf8' },
  );
  assert.equal(init.status, 0, init.stderr);
  const env = { XDG_STATE_HOME: join(base, 'state'), LOOPSMITH_CONFIG: '', LOOPSMITH_MODEL: '' };
  try {
    start('e', dir, env, ['--model', `local:${ckpt}`, '--sandbox', SANDBOX, '--max-turns', '1']);
    await waitFor('e', /› $/m);
    type('e', 'fix the bug');
    // Text shows while the turn is still running (no status line yet), then Ctrl-C stops it.
    // (A loaded machine may take long over the prompt's prefill: the wait is generous.)
    const s = await waitFor('e', /› fix the bug\n.*\S/, 120_000);
    assert.doesNotMatch(s, /· \d+ tokens/);
    const t0 = Date.now();
    keys('e', 'C-c');
    await waitFor('e', /cancelled; the session goes on[\s\S]*› $/m, 10_000);
    const ms = Date.now() - t0;
    assert.ok(ms < 5000, `the turn ended ${ms} ms after Ctrl-C`);
    type('e', '/exit');
    const saved = /session saved: (\S+)/.exec(await waitFor('e', /\[exit 0\]/))?.[1] as string;
    const sessions = join(base, 'state', 'loopsmith', 'sessions');
    const t = JSON.parse(
      readFileSync(join(sessions, readdirSync(sessions)[0], saved, 'trajectory.json'), 'utf8'),
    ) as Trajectory;
    // The cancelled turn left no half reply in the conversation.
    assert.equal(t.status, 'cancelled');
    assert.ok(!t.messages.some((m) => m.role === 'assistant'));
  } finally {
    spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
    cleanup();
  }
});

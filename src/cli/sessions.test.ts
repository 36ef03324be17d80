// Sessions kept out of the user's repository: a run leaves `git status` clean, its
// trajectory and spilled outputs sit in the state directory (and the model can still read
// them), `loopsmith sessions` lists them, `loopsmith resume` continues one; headless runs
// refuse unsandboxed commands unless --yes.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { Session } from '../harness/session.js';
import { readTrajectory, repoKey } from '../harness/store.js';
import { CLI, copyFixtureRepo, writeScript } from '../harness/test-utils.js';
import type { AssistantMessage } from '../messages.js';
import type { Model } from '../providers/model.js';
import { bwrapAvailable } from '../sandbox/index.js';
import { setupSession } from './session-setup.js';

const BWRAP = bwrapAvailable().ok;
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
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A fixture copy that is a git repository with everything committed. */
function gitRepo() {
  const repo = copyFixtureRepo('calc-repo');
  const git = (...a: string[]) =>
    execFileSync('git', ['-C', repo.dir, ...a], {
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      },
    });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'init');
  return { ...repo, git };
}

test('a run leaves git status clean; sessions lists it; resume --last continues it', {
  skip: !BWRAP && 'bubblewrap not usable',
}, () => {
  const repo = gitRepo();
  try {
    const base = dirname(repo.dir);
    const script = writeScript(base, [
      [['bash', { command: 'seq 1 30000' }]], // cut: the full output is spilled
      [['list', { path: '.' }]],
    ]);
    let r = cli([
      'run',
      '--repo',
      repo.dir,
      '--model',
      `scripted:${script}`,
      '--max-turns',
      '2',
      'count',
    ]);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(repo.git('status', '--porcelain', '--ignored'), '');
    const dir = join(STATE, 'loopsmith', 'sessions', repoKey(repo.dir));
    const [id] = readdirSync(dir);
    const t = readTrajectory(join(dir, id, 'trajectory.json'));
    assert.equal(t?.status, 'turn_limit');
    const spilled = readdirSync(join(dir, id, 'out'));
    assert.equal(spilled.length, 1);
    assert.match(
      t?.messages[3].content as string,
      new RegExp(`full output: ${join(dir, id, 'out')}/1\\.txt`),
    );

    r = cli(['sessions', '--repo', repo.dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^${id.slice(0, 8)} .* turn_limit +2 turns +count\\n$`));

    // Stopped by a limit: resume without a message carries on from where it stopped.
    const more = writeScript(base, [[['finish', { summary: 'resumed' }]]]);
    r = cli(['resume', '--last', '--repo', repo.dir, '--model', `scripted:${more}`]);
    assert.equal(r.code, 0, r.stderr);
    const t2 = readTrajectory(join(dir, id, 'trajectory.json'));
    assert.equal(t2?.status, 'submitted');
    assert.deepEqual(
      t2?.turns.map((x) => x.turn),
      [1, 2, 3],
    );
    assert.deepEqual(t2?.messages.slice(0, t?.messages.length), t?.messages);
    // Finished: a follow-up needs -m.
    r = cli(['resume', id.slice(0, 8), '--repo', repo.dir, '--model', `scripted:${more}`]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /ended \(submitted\); give the follow-up with -m/);
    const again = writeScript(base, [[['finish', { summary: 'twice' }]]]);
    r = cli([
      'resume',
      id.slice(0, 8),
      '-m',
      'and again',
      '--repo',
      repo.dir,
      '--model',
      `scripted:${again}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const t3 = readTrajectory(join(dir, id, 'trajectory.json'));
    assert.equal(t3?.messages.filter((m) => m.role === 'user').at(-1)?.content, 'and again');
    assert.equal(repo.git('status', '--porcelain', '--ignored'), '');
  } finally {
    repo.cleanup();
  }
});

test('resume and sessions refuse bad input with one line and exit 2', () => {
  const repo = copyFixtureRepo('calc-repo');
  try {
    for (const [args, want] of [
      [['resume', '--repo', repo.dir], /give a session id or --last/],
      [['resume', 'deadbeef', '--repo', repo.dir], /no session with id deadbeef/],
      [['resume', '--last', '--repo', repo.dir], /no saved session for/],
    ] as const) {
      const r = cli([...args]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, want);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    const r = cli(['sessions', '--repo', repo.dir]);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /no saved sessions/);
  } finally {
    repo.cleanup();
  }
});

test('headless --sandbox none refuses without --yes and runs with it', () => {
  const repo = copyFixtureRepo('calc-repo');
  try {
    const script = writeScript(dirname(repo.dir), [
      [['bash', { command: 'echo hi > hi.txt' }]],
      [['finish', { summary: 'ok' }]],
    ]);
    let r = cli([
      'run',
      '--repo',
      repo.dir,
      '--sandbox',
      'none',
      '--model',
      `scripted:${script}`,
      'x',
    ]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--sandbox none runs every model command on this machine .* pass --yes/);
    assert.equal(existsSync(join(repo.dir, 'hi.txt')), false);
    r = cli([
      'run',
      '--repo',
      repo.dir,
      '--sandbox',
      'none',
      '--yes',
      '--model',
      `scripted:${script}`,
      'x',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(existsSync(join(repo.dir, 'hi.txt')), true);
  } finally {
    repo.cleanup();
  }
});

test('the model reads its spilled output (read tool and sandboxed cat) but cannot write there', {
  skip: !BWRAP && 'bubblewrap not usable',
}, async () => {
  const repo = copyFixtureRepo('calc-repo');
  const prev = process.env.XDG_STATE_HOME;
  process.env.XDG_STATE_HOME = STATE;
  try {
    const setup = await setupSession({
      repo: repo.dir,
      cfg: { model: 'scripted:unused' },
      fallbackModel: 'x',
    }).catch((e) => e as Error);
    // scripted:unused does not exist: the setup reports it as a user error.
    assert.ok(setup instanceof Error && /scripted model file unused/.test(setup.message));
    const s = await setupSession({
      repo: repo.dir,
      cfg: { model: `scripted:${writeScript(dirname(repo.dir), ['x'])}` },
    });
    const calls = (path?: string): AssistantMessage => {
      const c = (name: string, args: object) => ({
        id: `${name}${Math.random()}`,
        type: 'function' as const,
        function: { name, arguments: JSON.stringify(args) },
      });
      if (!path)
        return {
          role: 'assistant',
          content: null,
          tool_calls: [c('bash', { command: 'seq 1 30000' })],
        };
      return {
        role: 'assistant',
        content: null,
        tool_calls: [
          c('read', { path, offset: 29999 }),
          c('bash', { command: `tail -1 ${path}; echo x >> ${path}` }),
          c('finish', { summary: 'ok' }),
        ],
      };
    };
    let turn = 0;
    const model: Model = {
      id: 'spill-reader',
      async complete(req) {
        const last = req.messages.at(-1)?.content ?? '';
        const path = turn++ === 0 ? undefined : /full output: (\S+)/.exec(last)?.[1];
        return {
          message: calls(path),
          usage: { promptTokens: 1, completionTokens: 1, estimated: true },
        };
      },
    };
    const session = await Session.start(model, s.sandbox, s.options);
    await session.send('read the spill');
    const t = await session.close();
    const tools = t.messages.filter((m) => m.role === 'tool').map((m) => m.content);
    assert.match(tools[0], new RegExp(`full output: ${s.paths.spillDir}/1\\.txt`));
    assert.match(tools[1], /^29999\t29999\n\s*30000\t30000/);
    assert.match(tools[2], /^30000\n.*Read-only file system/);
  } finally {
    process.env.XDG_STATE_HOME = prev;
    repo.cleanup();
  }
});

test('headless host commands are declined without --yes, run on the host with it', {
  skip: !BWRAP && 'bubblewrap not usable',
}, () => {
  const repo = copyFixtureRepo('calc-repo');
  try {
    const base = dirname(repo.dir);
    const config = join(base, 'user.json');
    writeFileSync(config, JSON.stringify({ hostCommands: ['hostname'] }));
    const script = writeScript(base, [
      [['bash', { command: 'hostname' }]],
      [['finish', { summary: 'ok' }]],
    ]);
    const traj = join(base, 'host.json');
    const go = (...flags: string[]) => {
      const r = cli(
        [
          'run',
          '--repo',
          repo.dir,
          '--model',
          `scripted:${script}`,
          '--trajectory',
          traj,
          ...flags,
          'x',
        ],
        { LOOPSMITH_CONFIG: config },
      );
      assert.equal(r.code, 0, r.stderr);
      return readTrajectory(traj)?.messages.find((m) => m.role === 'tool')?.content ?? '';
    };
    assert.match(
      go(),
      /^Not run: `hostname` runs outside the sandbox and needs the user's approval, which a headless run cannot ask for/,
    );
    const out = go('--yes');
    assert.doesNotMatch(out, /^sandbox\n/);
    assert.match(out, /exit code 0/);
    // A repository cannot mark its own commands as host commands.
    writeFileSync(
      join(repo.dir, 'loopsmith.config.json'),
      JSON.stringify({ hostCommands: ['rm'] }),
    );
    const r = cli(['run', '--repo', repo.dir, '--model', `scripted:${script}`, 'x']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /hostCommands: commands that leave the sandbox are the user's choice/);
  } finally {
    repo.cleanup();
  }
});

const HAS_TMUX = spawnSync('tmux', ['-V']).status === 0;

test('loopsmith resume in a terminal opens the interactive session on the saved conversation', {
  skip: (!HAS_TMUX && 'tmux not installed') || (!BWRAP && 'bubblewrap not usable'),
}, async () => {
  const repo = copyFixtureRepo('calc-repo');
  const socket = `loopsmith-resume-${process.pid}`;
  const tmux = (...a: string[]) => execFileSync('tmux', ['-L', socket, ...a], { encoding: 'utf8' });
  try {
    const base = dirname(repo.dir);
    const first = writeScript(base, [[['finish', { summary: 'first done' }]]]);
    assert.equal(
      cli(['run', '--repo', repo.dir, '--model', `scripted:${first}`, 'first task']).code,
      0,
    );
    const next = writeScript(base, ['Continuing where we were.']);
    const cmd = `env XDG_STATE_HOME=${STATE} LOOPSMITH_CONFIG= ${process.execPath} ${CLI} resume --last --repo ${repo.dir} --model scripted:${next}; sleep 30`;
    tmux('new-session', '-d', '-s', 'r', '-x', '120', '-y', '30', cmd);
    const waitFor = async (re: RegExp) => {
      for (let i = 0; i < 200; i++) {
        const s = tmux('capture-pane', '-p', '-J', '-t', 'r');
        if (re.test(s)) return s;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(
        `timed out waiting for ${re}:\n${tmux('capture-pane', '-p', '-J', '-t', 'r')}`,
      );
    };
    await waitFor(/resumed: 1 turns, task "first task"/);
    tmux('send-keys', '-t', 'r', '-l', 'and now?');
    tmux('send-keys', '-t', 'r', 'Enter');
    await waitFor(/Continuing where we were\./);
    // The text is on screen before the turn is saved: wait for the save.
    const [info] = listSessionsIn(repo.dir);
    const followUps = () =>
      readTrajectory(info)
        ?.messages.filter((m) => m.role === 'user')
        .map((m) => m.content)
        .slice(1);
    for (let i = 0; i < 50 && followUps()?.length !== 1; i++)
      await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(followUps(), ['and now?']);
  } finally {
    spawnSync('tmux', ['-L', socket, 'kill-server']);
    repo.cleanup();
  }
});

function listSessionsIn(repo: string): string[] {
  const dir = join(STATE, 'loopsmith', 'sessions', repoKey(repo));
  return readdirSync(dir).map((id) => join(dir, id, 'trajectory.json'));
}

test('run --context-window too small for even the first prompt ends with context_limit (exit 7)', () => {
  const repo = copyFixtureRepo('calc-repo');
  try {
    const script = writeScript(dirname(repo.dir), [[['finish', { summary: 'never' }]]]);
    const args = ['run', '--repo', repo.dir, '--model', `scripted:${script}`, '--context-window'];
    let r = cli([...args, '600', 'x']);
    assert.equal(r.code, 7, r.stderr);
    assert.match(
      r.stderr,
      /context_limit \(exit 7\)[\s\S]*no longer fits the 600-token context window/,
    );
    r = cli([...args, 'lots', 'x']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--context-window must be a positive number, got "lots"/);
  } finally {
    repo.cleanup();
  }
});

// CLI start-up: wall time of `loopsmith --version`, `--help`, of the first interactive
// prompt, and of the first reply (a message typed the moment the prompt shows, answered by a
// scripted model: when the session is really usable), against bare `node -e 0` (the floor)
// and an eager import of every command module (what every invocation paid before the lazy
// table), measured in the same run, alternating.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const CLI = resolve('dist/src/cli/main.js');
const N = Number(process.env.N ?? 15);
const SCRIPT = join(mkdtempSync(join(tmpdir(), 'loopsmith-bench-')), 'script.json');
writeFileSync(SCRIPT, JSON.stringify([{ content: 'hi' }]));
const eager = `await Promise.all(['run','tasks','gym','lm','export'].map((m) => import(${JSON.stringify(resolve('dist/src/cli'))} + '/' + m + '.js')))`;

interface Variant {
  name: string;
  run(): Promise<void> | void;
}

const node = (args: string[]) => () => {
  const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`);
};

// The interactive session needs a terminal: `script` gives it a pty; timed to the prompt,
// or (reply) to the scripted model's answer to a message typed as soon as the prompt shows.
function firstPrompt(reply = false): Promise<void> {
  return new Promise((done, fail) => {
    const c = spawn(
      'script',
      [
        '-qfec',
        `${process.execPath} ${CLI} --model scripted:${SCRIPT} --sandbox none`,
        '/dev/null',
      ],
      {
        stdio: ['pipe', 'pipe', 'ignore'],
        env: { ...process.env, LOOPSMITH_CONFIG: '', XDG_STATE_HOME: '/tmp/loopsmith-bench-state' },
      },
    );
    let out = '';
    const timer = setTimeout(() => {
      c.kill('SIGKILL');
      fail(new Error(`no prompt within 10 s; output: ${out}`));
    }, 10_000);
    let typed = false;
    let ended = false;
    const end = () => {
      ended = true;
      clearTimeout(timer);
      c.kill('SIGKILL');
      done();
    };
    c.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!out.includes('› ')) return;
      if (!reply) return end();
      if (!typed) {
        typed = true;
        c.stdin.write('hello\r');
      }
      if (/hi[\s\S]*tokens/.test(out.slice(out.indexOf('hello')))) end();
    });
    c.on('close', () => {
      clearTimeout(timer);
      if (!ended)
        fail(new Error(`exited before the ${reply ? 'reply' : 'prompt'}; output: ${out}`));
    });
  });
}

// As a person sees it: the session started in a tmux pane, timed until the prompt is on the
// screen (polled with capture-pane, which adds a few ms; the tmux floor is a bare node that
// prints the same prompt, measured the same way).
const SOCKET = `loopsmith-bench-${process.pid}`;
let pane = 0;
function inTmux(cmd: string): () => Promise<void> {
  return async () => {
    const name = `p${pane++}`;
    spawnSync(
      'tmux',
      ['-L', SOCKET, 'new-session', '-d', '-s', name, '-x', '150', '-y', '40', `${cmd}; sleep 30`],
      {
        env: { ...process.env, LOOPSMITH_CONFIG: '', XDG_STATE_HOME: '/tmp/loopsmith-bench-state' },
      },
    );
    const t0 = Date.now();
    for (;;) {
      const s = spawnSync('tmux', ['-L', SOCKET, 'capture-pane', '-p', '-t', name], {
        encoding: 'utf8',
      });
      if (/^›/m.test(s.stdout)) break;
      if (Date.now() - t0 > 10_000) throw new Error(`no prompt in tmux within 10 s:\n${s.stdout}`);
      await new Promise((r) => setTimeout(r, 2));
    }
    spawnSync('tmux', ['-L', SOCKET, 'kill-session', '-t', name]);
  };
}

const variants: Variant[] = [
  { name: 'node -e 0 (floor)', run: node(['-e', '0']) },
  { name: 'import every command module (before)', run: node(['--input-type=module', '-e', eager]) },
  { name: 'loopsmith --version', run: node([CLI, '--version']) },
  { name: 'loopsmith --help', run: node([CLI, '--help']) },
];
if (spawnSync('script', ['--version']).status === 0 && process.env.NO_INTERACTIVE !== '1')
  variants.push(
    { name: 'loopsmith (interactive, to first prompt)', run: () => firstPrompt() },
    { name: 'loopsmith (interactive, to first reply)', run: () => firstPrompt(true) },
  );
const HAS_TMUX = spawnSync('tmux', ['-V']).status === 0 && process.env.NO_INTERACTIVE !== '1';
if (HAS_TMUX) {
  // A server kept up for the whole run, so no variant pays for starting it.
  spawnSync('tmux', ['-L', SOCKET, 'new-session', '-d', '-s', 'keep', 'sleep 600']);
  process.on('exit', () => spawnSync('tmux', ['-L', SOCKET, 'kill-server']));
  variants.push(
    {
      name: 'tmux: node printing a prompt (floor)',
      run: inTmux(`${process.execPath} -e "process.stdout.write('› ')"`),
    },
    {
      name: 'tmux: loopsmith, to the prompt on screen',
      run: inTmux(`${process.execPath} ${CLI} --model scripted:${SCRIPT} --sandbox none`),
    },
  );
}

for (const v of variants) await v.run(); // warm the file cache
const ms = variants.map(() => [] as number[]);
for (let i = 0; i < N; i++) {
  for (const [k, v] of variants.entries()) {
    const t0 = performance.now();
    await v.run();
    ms[k].push(performance.now() - t0);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const floor = median(ms[0]);
const load = (await import('node:os')).loadavg()[0].toFixed(1);
console.log(`CLI start-up, median of ${N} runs each, load average ${load}:`);
for (const [k, v] of variants.entries()) {
  const m = median(ms[k]);
  console.log(
    `  ${v.name.padEnd(44)} ${m.toFixed(0).padStart(5)} ms  (${(m - floor).toFixed(0)} ms over node, x${(m / floor).toFixed(2)})`,
  );
}

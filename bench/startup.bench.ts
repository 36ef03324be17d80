// CLI start-up: wall time of `loopsmith --version`, `--help` and of the first interactive
// prompt, against bare `node -e 0` (the floor) and an eager import of every command module
// (what every invocation paid before the lazy table), measured in the same run, alternating.
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

// The interactive session needs a terminal: `script` gives it a pty; timed to the prompt.
function firstPrompt(): Promise<void> {
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
    c.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('› ')) {
        clearTimeout(timer);
        c.kill('SIGKILL');
        done();
      }
    });
    c.on('close', () => {
      clearTimeout(timer);
      if (!out.includes('› ')) fail(new Error(`exited before the prompt; output: ${out}`));
    });
  });
}

const variants: Variant[] = [
  { name: 'node -e 0 (floor)', run: node(['-e', '0']) },
  { name: 'import every command module (before)', run: node(['--input-type=module', '-e', eager]) },
  { name: 'loopsmith --version', run: node([CLI, '--version']) },
  { name: 'loopsmith --help', run: node([CLI, '--help']) },
];
if (spawnSync('script', ['--version']).status === 0 && process.env.NO_INTERACTIVE !== '1')
  variants.push({ name: 'loopsmith (interactive, to first prompt)', run: firstPrompt });

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

// The interactive session: the person types, the agent works (the same Session the headless
// `run`, ACP and the gym use), follow-ups continue the conversation. Ctrl-C cancels the
// running turn (its commands killed) and keeps the session; a second Ctrl-C, Ctrl-D or /exit
// leaves. The prompt is shown before the loop's modules load, so start-up stays short.
import { realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { findSession, readTrajectory, StoreError } from '../../harness/store.js';
import type { Trajectory } from '../../harness/trajectory.js';
import { VERSION } from '../../version.js';
import { ConfigError, loadRunConfig, type RunConfig } from '../config.js';
import { parseSamplingFlags, type SamplingFlags } from '../sampling.js';
import type { InteractiveFlags } from './command.js';
import { c } from './render.js';
import type { Runtime } from './runtime.js';

const PROMPT = '› ';

/** One line saying where a resumed session stood. */
function recap(t: Trajectory): string {
  const users = t.messages.filter((m) => m.role === 'user');
  const last =
    users.length > 1 ? `, last message "${String(users.at(-1)?.content).slice(0, 60)}"` : '';
  return `resumed: ${t.turns.length} turns, task "${t.task.slice(0, 80)}"${last}`;
}

function fail(message: string): number {
  process.stderr.write(`loopsmith: ${message}\n`);
  return 2;
}

/** Runs the session until the person leaves; returns the exit code. */
export async function runInteractive(f: InteractiveFlags): Promise<number> {
  const repoArg = resolve(f.repo ?? '.');
  let repo: string;
  try {
    if (!statSync(repoArg).isDirectory()) return fail(`--repo ${repoArg} is not a directory`);
    repo = realpathSync(repoArg);
  } catch {
    return fail(`--repo ${repoArg} does not exist`);
  }
  let cfg: RunConfig;
  let sampling: SamplingFlags;
  try {
    try {
      sampling = parseSamplingFlags(f);
    } catch (e) {
      throw new ConfigError((e as Error).message);
    }
    if (f.sandbox !== undefined && f.sandbox !== 'bwrap' && f.sandbox !== 'none')
      throw new ConfigError(`--sandbox must be bwrap or none, got "${f.sandbox}"`);
    const maxTurns = f.maxTurns === undefined ? undefined : Number(f.maxTurns);
    if (maxTurns !== undefined && !(Number.isInteger(maxTurns) && maxTurns > 0))
      throw new ConfigError(`--max-turns must be a positive integer, got "${f.maxTurns}"`);
    cfg = loadRunConfig(repo, {
      model: f.model,
      baseUrl: f.baseUrl,
      sandbox: f.sandbox as 'bwrap' | 'none' | undefined,
      maxTurns,
    });
  } catch (e) {
    if (e instanceof ConfigError) return fail(e.message);
    throw e;
  }
  let resume: Trajectory | undefined;
  try {
    if (f.resume) resume = readTrajectory(findSession(repo, f.resume).path) ?? undefined;
  } catch (e) {
    if (e instanceof StoreError) return fail(e.message);
    throw e;
  }
  if (!cfg.model && resume) cfg = { ...cfg, model: resume.model };
  if (!cfg.model)
    return fail('no model given: pass --model (or set LOOPSMITH_MODEL, or "model" in the config)');
  const sandbox = cfg.sandbox ?? 'bwrap';

  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: PROMPT });
  const out = (s: string) => process.stdout.write(s);
  out(
    `${c.bold('loopsmith')} ${VERSION} · ${cfg.model} · sandbox ${sandbox} · ${repo}\n` +
      c.dim(
        'Type a task. /help for commands, Ctrl-C cancels a turn, Ctrl-C twice or /exit leaves.\n',
      ),
  );
  if (resume) out(c.dim(`${recap(resume)}\n`));
  rl.prompt();

  // Loaded while the person types their first message.
  let rt: Runtime | undefined;
  let pending: ((answer: string) => void) | undefined;
  const ask = (question: string) =>
    new Promise<string>((res) => {
      pending = res;
      rl.setPrompt(question);
      rl.prompt();
    });
  const ready = import('./runtime.js')
    .then(({ startRuntime }) =>
      startRuntime({
        repo,
        cfg,
        yes: Boolean(f.yes),
        sampling,
        out,
        ask,
        resume,
      }),
    )
    .then(
      (r) => {
        rt = r;
        return r;
      },
      (e: Error) => {
        out(`\n${c.red(`loopsmith: ${e.message}`)}\n`);
        process.exit(2);
      },
    );

  let running: AbortController | undefined;
  let ctrlC = 0;
  const queue: string[] = [];
  let done: (code: number) => void = () => {};
  const finished = new Promise<number>((res) => {
    done = res;
  });
  let leaving = false;
  const leave = async () => {
    if (leaving) return;
    leaving = true;
    running?.abort();
    rl.pause();
    const r = rt ?? (await ready);
    const saved = await r.close();
    out(`${c.dim(`session saved: ${saved} (loopsmith --resume ${saved.slice(0, 8)})`)}\n`);
    rl.close();
    done(0);
  };

  const handle = async (line: string) => {
    const text = line.trim();
    if (!text) return;
    const r = await ready;
    if (text.startsWith('/')) {
      const { runSlash } = await import('./slash.js');
      const verdict = await runSlash(text, r, out);
      if (verdict === 'exit') await leave();
      return;
    }
    running = new AbortController();
    try {
      await r.send(text, running.signal);
    } finally {
      running = undefined;
    }
  };

  let busy = false;
  const pump = async () => {
    if (busy) return;
    busy = true;
    while (queue.length && !leaving) {
      const next = queue.shift() as string;
      try {
        await handle(next);
      } catch (e) {
        out(`${c.red(`error: ${(e as Error).message}`)}\n`);
      }
    }
    busy = false;
    if (!leaving) {
      rl.setPrompt(PROMPT);
      rl.prompt();
    }
  };

  rl.on('line', (line) => {
    ctrlC = 0;
    if (pending) {
      const p = pending;
      pending = undefined;
      p(line);
      return;
    }
    queue.push(line);
    if (busy) out(c.dim('(queued until this turn ends)\n'));
    void pump();
  });
  rl.on('SIGINT', () => {
    if (pending) {
      const p = pending;
      pending = undefined;
      p('n');
    }
    ctrlC++;
    if (running && ctrlC === 1) {
      out(`\n${c.yellow('^C cancelling the turn…')}\n`);
      running.abort();
      return;
    }
    if (ctrlC >= 2) {
      out('\n');
      void leave();
      return;
    }
    rl.write(null, { ctrl: true, name: 'u' }); // clear what was typed
    out(`\n${c.dim('(Ctrl-C again or /exit to leave)')}\n`);
    rl.prompt();
  });
  rl.on('close', () => void leave());
  return finished;
}

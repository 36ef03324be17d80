// `loopsmith sessions` lists the saved sessions of a repository (or all of them);
// `loopsmith resume [ID | --last]` continues one headless, with a follow-up message or,
// when it stopped mid-way (limit, cancel, error), from where it stopped.
import type { Command } from 'commander';
import { humanSink, jsonlSink } from '../harness/events.js';
import { Session } from '../harness/session.js';
import { findSession, listSessions, readTrajectory, StoreError } from '../harness/store.js';
import { defaultTools } from '../harness/tools/index.js';
import { configOf, type RunFlags, repoOf, startMcp } from './run.js';
import { SetupError, setupSession } from './session-setup.js';

function usage(command: string, message: string): never {
  process.stderr.write(`loopsmith ${command}: ${message}\n`);
  process.exit(2);
}

const clip = (s: string, n: number) => {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
};

/** Registers `loopsmith sessions` and `loopsmith resume`. */
export function registerSessions(program: Command): void {
  program
    .command('sessions')
    .description('List saved sessions of this repository, newest first.')
    .option('--repo <dir>', 'repository (default: current directory)')
    .option('--all', 'sessions of every repository')
    .option('--json', 'one JSON object per session per line')
    .action((f: { repo?: string; all?: boolean; json?: boolean }) => {
      const list = listSessions(f.all ? undefined : repoOf(f.repo));
      for (const s of list) {
        if (f.json) process.stdout.write(`${JSON.stringify(s)}\n`);
        else
          process.stdout.write(
            `${s.id.slice(0, 8)}  ${s.updatedAt.slice(0, 16).replace('T', ' ')}  ${s.status.padEnd(13)} ${String(s.turns).padStart(3)} turns  ${clip(s.task, 60)}${f.all ? `  (${s.repo})` : ''}\n`,
          );
      }
      if (!f.json && list.length === 0) process.stderr.write('no saved sessions\n');
    });

  program
    .command('resume')
    .description(
      'Continue a saved session: interactively in a terminal, else headless (with -m, or from where it stopped).',
    )
    .argument('[id]', 'session id or a unique prefix of it (see loopsmith sessions)')
    .option('--last', "this repository's most recent session")
    .option('-m, --message <text>', 'the follow-up message')
    .option('--repo <dir>', 'repository to look in (default: current directory)')
    .option('--model <spec>', "model (default: the session's)")
    .option('--base-url <url>', 'OpenAI-compatible endpoint')
    .option('--max-turns <n>', 'turn limit (exit 3)')
    .option('--max-tokens <n>', 'token budget of this continuation (exit 4)')
    .option('--timeout <sec>', 'wall-clock limit (exit 5)')
    .option('--sandbox <kind>', 'bwrap (default) or none')
    .option('--yes', 'run commands outside the sandbox without asking')
    .option('--stream', 'stream replies from an OpenAI-compatible server')
    .option('--context-window <n>', "the model's context in tokens")
    .option('--json', 'print one JSON event per line on stdout')
    .action(async (id: string | undefined, f: RunFlags & { last?: boolean; message?: string }) => {
      process.exitCode = await resumeCommand(id, f);
    });
}

async function resumeCommand(
  id: string | undefined,
  f: RunFlags & { last?: boolean; message?: string },
): Promise<number> {
  if (!id && !f.last) usage('resume', 'give a session id or --last (see loopsmith sessions)');
  if (id && f.last) usage('resume', 'give a session id or --last, not both');
  // In a terminal without a message, the person picks the conversation up themselves.
  if (!f.message && !f.json && process.stdin.isTTY && process.stdout.isTTY) {
    const { runInteractive } = await import('./interactive/index.js');
    const { repo, model, baseUrl, sandbox, maxTurns, yes } = f;
    return runInteractive({ repo, model, baseUrl, sandbox, maxTurns, yes, resume: id ?? 'last' });
  }
  // In a terminal without -m, the session goes on interactively (src/cli/interactive).
  if (f.message === undefined && !f.json && process.stdin.isTTY && process.stdout.isTTY) {
    const { runInteractive } = await import('./interactive/index.js');
    return runInteractive({ ...f, resume: f.last ? 'last' : id });
  }
  let saved: ReturnType<typeof readTrajectory>;
  try {
    const info = findSession(repoOf(f.repo), f.last ? 'last' : (id as string));
    saved = readTrajectory(info.path);
  } catch (e) {
    if (e instanceof StoreError) usage('resume', e.message);
    throw e;
  }
  if (!saved) usage('resume', 'the session could not be read');
  const message = f.message ?? '';
  const last = saved.messages.at(-1);
  // After finish (or a plain answer) the model has nothing to continue from without a message.
  if (!message && (saved.status === 'submitted' || last?.role === 'assistant'))
    usage(
      'resume',
      `session ${saved.id.slice(0, 8)} ended (${saved.status}); give the follow-up with -m`,
    );
  const repo = repoOf(saved.repo);
  const cfg = configOf(repo, f);
  let setup: Awaited<ReturnType<typeof setupSession>>;
  try {
    setup = await setupSession({ repo, cfg, yes: f.yes, id: saved.id, fallbackModel: saved.model });
  } catch (e) {
    if (e instanceof SetupError) usage('resume', e.message);
    throw e;
  }
  const mcp = await startMcp(cfg.mcpServers, repo);
  const session = await Session.resume(saved, setup.model, setup.sandbox, {
    ...setup.options,
    onEvent: f.json ? jsonlSink() : humanSink(),
    ...(mcp ? { tools: [...defaultTools(), ...mcp.tools] } : {}),
  });
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  await session.send(message, { signal: ac.signal });
  process.off('SIGINT', onSigint);
  const t = await session.close();
  await setup.model.close?.();
  await mcp?.close();
  return t.exitCode ?? 1;
}

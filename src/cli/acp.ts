// `loopsmith acp`: serves the Agent Client Protocol on stdin/stdout for an editor. Parses
// flags and config like `run`, then hands the stream to src/acp. stdout is the protocol:
// everything for a person goes to stderr.
import { rmSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';
import { USAGE_EXIT_CODE } from '../harness/status.js';
import type { Trajectory } from '../harness/trajectory.js';
import { ConfigError, loadRunConfig } from './config.js';

interface AcpFlags {
  model?: string;
  baseUrl?: string;
  sandbox?: string;
  maxTurns?: string;
}

function usage(message: string): never {
  process.stderr.write(`loopsmith acp: ${message}\n`);
  process.exit(USAGE_EXIT_CODE);
}

/** Registers `loopsmith acp`. */
export function registerAcp(program: Command): void {
  program
    .command('acp')
    .description('Serve the Agent Client Protocol on stdio (for Zed, JetBrains IDEs, Neovim).')
    .option(
      '--model <spec>',
      'model: NAME at --base-url, openai:NAME, local:CKPT_DIR, scripted:FILE',
    )
    .option('--base-url <url>', 'OpenAI-compatible endpoint, e.g. http://localhost:8000/v1')
    .option('--sandbox <kind>', 'bwrap (default) or none (commands on the host, each one asked)')
    .option('--max-turns <n>', 'turn limit per prompt')
    .action(async (f: AcpFlags) => {
      await serve(f);
    });
}

async function serve(f: AcpFlags): Promise<void> {
  let cfg: ReturnType<typeof loadRunConfig>;
  try {
    if (f.sandbox !== undefined && f.sandbox !== 'bwrap' && f.sandbox !== 'none')
      throw new ConfigError(`--sandbox must be bwrap or none, got "${f.sandbox}"`);
    const maxTurns = f.maxTurns === undefined ? undefined : Number(f.maxTurns);
    if (maxTurns !== undefined && !(Number.isInteger(maxTurns) && maxTurns > 0))
      throw new ConfigError(`--max-turns must be a positive integer, got "${f.maxTurns}"`);
    cfg = loadRunConfig(process.cwd(), {
      model: f.model,
      baseUrl: f.baseUrl,
      sandbox: f.sandbox as 'bwrap' | 'none' | undefined,
      maxTurns,
    });
  } catch (e) {
    if (e instanceof ConfigError) usage(e.message);
    throw e;
  }
  if (!cfg.model)
    usage('no model given: pass --model (or set LOOPSMITH_MODEL, or "model" in the config)');
  const [
    { acpServer },
    { ndJsonStream },
    { setupSession, SetupError },
    { findSession, readTrajectory },
  ] = await Promise.all([
    import('../acp/server.js'),
    import('@agentclientprotocol/sdk'),
    import('./session-setup.js'),
    import('../harness/store.js'),
  ]);
  const flags = {
    model: cfg.model,
    baseUrl: f.baseUrl,
    sandbox: cfg.sandbox,
    maxTurns: cfg.maxTurns,
  };
  // Checked once at start, so a missing model or sandbox is a usage error, not a failed session.
  try {
    const probe = await setupSession({ repo: process.cwd(), cfg, approve: async () => 'no' });
    await probe.model.close?.();
    rmSync(probe.paths.dir, { recursive: true, force: true });
  } catch (e) {
    if (e instanceof SetupError) usage(e.message);
    throw e;
  }
  const app = acpServer({
    // Each session reads the config of its own directory, as `run` would there.
    setup: (root, approve, saved) =>
      setupSession({
        repo: root,
        cfg: loadRunConfig(root, flags),
        approve,
        // The editor shows replies as they are written (the config's `stream` still decides).
        stream: true,
        ...(saved ? { id: saved.id, fallbackModel: saved.model } : {}),
      }),
    find: (root, id) => readTrajectory(findSession(root, id).path) as Trajectory,
    mcpServers: cfg.mcpServers,
  });
  const conn = app.connect(
    ndJsonStream(
      Writable.toWeb(process.stdout) as WritableStream<Uint8Array>,
      Readable.toWeb(process.stdin) as unknown as ReadableStream<Uint8Array>,
    ),
  );
  await conn.closed;
}

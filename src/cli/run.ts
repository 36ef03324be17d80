// `loopsmith run`: one task, one model, one sandboxed workspace. Parses flags and config,
// then hands everything to runAgent; prints events (JSONL with --json, progress otherwise).
import { realpathSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { runAgent } from '../harness/agent.js';
import { toAtif } from '../harness/atif.js';
import { humanSink, jsonlSink } from '../harness/events.js';
import type { McpServerConfig } from '../harness/mcp/servers.js';
import { USAGE_EXIT_CODE } from '../harness/status.js';
import { defaultTools } from '../harness/tools/index.js';
import { ConfigError, loadRunConfig } from './config.js';
import { parseSamplingFlags, samplingSpecOptions } from './sampling.js';
import { SetupError, setupSession } from './session-setup.js';

export interface RunFlags {
  repo?: string;
  model?: string;
  baseUrl?: string;
  maxTurns?: string;
  maxTokens?: string;
  timeout?: string;
  json?: boolean;
  trajectory?: string;
  atif?: string;
  sandbox?: string;
  yes?: boolean;
  stream?: boolean;
  contextWindow?: string;
  temperature?: string;
  topP?: string;
  seed?: string;
}

const num = (v: string | undefined, flag: string) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new ConfigError(`${flag} must be a positive number, got "${v}"`);
  return n;
};

function usage(message: string): never {
  process.stderr.write(`loopsmith ${process.argv[2] ?? 'run'}: ${message}\n`);
  process.exit(USAGE_EXIT_CODE);
}

/** Registers `loopsmith run`. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Run the coding agent on a task in a repository (sandboxed).')
    .argument('<task>', 'what to do, in words')
    .option('--repo <dir>', 'repository to work in (default: current directory)')
    .option(
      '--model <spec>',
      'model: NAME at --base-url, openai:NAME, local:CKPT_DIR, scripted:FILE, replay:TRAJECTORY',
    )
    .option('--base-url <url>', 'OpenAI-compatible endpoint, e.g. http://localhost:8000/v1')
    .option('--max-turns <n>', 'turn limit (exit 3)')
    .option('--max-tokens <n>', 'total token budget (exit 4)')
    .option('--timeout <sec>', 'wall-clock limit for the run (exit 5)')
    .option('--json', 'print one JSON event per line on stdout')
    .option(
      '--trajectory <file>',
      'where to save the trajectory (default: the session store, see `loopsmith sessions`)',
    )
    .option('--atif <file>', 'also write the trajectory as ATIF v1.4 JSON')
    .option('--sandbox <kind>', 'bwrap (default) or none (no isolation: commands run on the host)')
    .option('--temperature <t>', 'sampling temperature, 0 = greedy (default 0)')
    .option('--top-p <p>', 'nucleus sampling mass in (0, 1] (default 1)')
    .option(
      '--no-strict',
      'local models: sample tool calls without the call grammar (strict calls are the default)',
    )
    .option('--seed <n>', 'sampling seed of local models (default 0)')
    .option(
      '--yes',
      'run commands outside the sandbox without asking (--sandbox none, hostCommands)',
    )
    .option('--stream', 'stream replies from an OpenAI-compatible server')
    .option('--context-window <n>', "the model's context in tokens (compaction keeps within it)")
    .action(async (task: string, f: RunFlags) => {
      process.exitCode = await runCommand(task, f);
    });
}

async function runCommand(task: string, f: RunFlags): Promise<number> {
  const repo = repoOf(f.repo);
  const cfg = configOf(repo, f);
  if (!task.trim()) usage('the task is empty');
  let sampling: ReturnType<typeof parseSamplingFlags>;
  try {
    sampling = parseSamplingFlags(f);
  } catch (e) {
    usage((e as Error).message);
  }
  let setup: Awaited<ReturnType<typeof setupSession>>;
  try {
    setup = await setupSession({
      repo,
      cfg,
      yes: f.yes,
      trajectoryPath: f.trajectory,
      modelOptions: samplingSpecOptions(sampling),
    });
  } catch (e) {
    if (e instanceof SetupError) usage(e.message);
    throw e;
  }
  const { model, sandbox, options } = setup;
  const mcp = await startMcp(cfg.mcpServers, repo);
  // Ctrl-C cancels the run (its commands killed); the trajectory is saved as `cancelled`.
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  const t = await runAgent(task, model, sandbox, {
    ...options,
    onEvent: f.json ? jsonlSink() : humanSink(),
    signal: ac.signal,
    ...(mcp ? { tools: [...defaultTools(), ...mcp.tools] } : {}),
  });
  process.off('SIGINT', onSigint);
  await model.close?.();
  await mcp?.close();
  if (f.atif) await writeFile(resolve(f.atif), JSON.stringify(toAtif(t), null, 1));
  return t.exitCode ?? 1;
}

/** The real path of --repo (default: the current directory); a usage error when unusable. */
export function repoOf(dir: string | undefined): string {
  const repoArg = resolve(dir ?? '.');
  try {
    if (!statSync(repoArg).isDirectory()) usage(`--repo ${repoArg} is not a directory`);
    return realpathSync(repoArg);
  } catch {
    usage(`--repo ${repoArg} does not exist`);
  }
}

/** The merged config of a run in `repo`, flags last; a usage error naming the bad source. */
export function configOf(repo: string, f: RunFlags): ReturnType<typeof loadRunConfig> {
  try {
    if (f.sandbox !== undefined && f.sandbox !== 'bwrap' && f.sandbox !== 'none')
      throw new ConfigError(`--sandbox must be bwrap or none, got "${f.sandbox}"`);
    return loadRunConfig(repo, {
      model: f.model,
      baseUrl: f.baseUrl,
      maxTurns: num(f.maxTurns, '--max-turns'),
      maxTokens: num(f.maxTokens, '--max-tokens'),
      timeout: num(f.timeout, '--timeout'),
      contextWindow: num(f.contextWindow, '--context-window'),
      sandbox: f.sandbox as 'bwrap' | 'none' | undefined,
      stream: f.stream,
    });
  } catch (e) {
    if (e instanceof ConfigError) usage(e.message);
    throw e;
  }
}

/** The configured MCP servers' tools; a server that does not start is a usage error. */
export async function startMcp(servers: Record<string, McpServerConfig> | undefined, repo: string) {
  if (!servers || Object.keys(servers).length === 0) return undefined;
  const { connectMcpServers, McpStartError } = await import('../harness/mcp/servers.js');
  try {
    return await connectMcpServers(servers, repo);
  } catch (e) {
    if (e instanceof McpStartError) usage(e.message);
    throw e;
  }
}

// `loopsmith run`: one task, one model, one sandboxed workspace. Parses flags and config,
// then hands everything to runAgent; prints events (JSONL with --json, progress otherwise).
import { realpathSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { runAgent } from '../harness/agent.js';
import { toAtif } from '../harness/atif.js';
import { humanSink, jsonlSink } from '../harness/events.js';
import type { McpServerConfig } from '../harness/mcp/servers.js';
import { USAGE_EXIT_CODE } from '../harness/status.js';
import { defaultTools } from '../harness/tools/index.js';
import { createModel } from '../providers/spec.js';
import { bwrapAvailable, createSandbox } from '../sandbox/index.js';
import { ConfigError, loadRunConfig } from './config.js';

interface RunFlags {
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
}

const num = (v: string | undefined, flag: string) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new ConfigError(`${flag} must be a positive number, got "${v}"`);
  return n;
};

function usage(message: string): never {
  process.stderr.write(`loopsmith run: ${message}\n`);
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
      'where to save the trajectory (default: <repo>/.loopsmith/runs/<time>.json)',
    )
    .option('--atif <file>', 'also write the trajectory as ATIF v1.4 JSON')
    .option('--sandbox <kind>', 'bwrap (default) or none (no isolation: commands run on the host)')
    .action(async (task: string, f: RunFlags) => {
      process.exitCode = await runCommand(task, f);
    });
}

async function runCommand(task: string, f: RunFlags): Promise<number> {
  const repoArg = resolve(f.repo ?? '.');
  let repo: string;
  try {
    if (!statSync(repoArg).isDirectory()) usage(`--repo ${repoArg} is not a directory`);
    repo = realpathSync(repoArg);
  } catch {
    usage(`--repo ${repoArg} does not exist`);
  }
  let cfg: ReturnType<typeof loadRunConfig>;
  try {
    if (f.sandbox !== undefined && f.sandbox !== 'bwrap' && f.sandbox !== 'none')
      throw new ConfigError(`--sandbox must be bwrap or none, got "${f.sandbox}"`);
    cfg = loadRunConfig(repo, {
      model: f.model,
      baseUrl: f.baseUrl,
      maxTurns: num(f.maxTurns, '--max-turns'),
      maxTokens: num(f.maxTokens, '--max-tokens'),
      timeout: num(f.timeout, '--timeout'),
      sandbox: f.sandbox as 'bwrap' | 'none' | undefined,
    });
  } catch (e) {
    if (e instanceof ConfigError) usage(e.message);
    throw e;
  }
  if (!task.trim()) usage('the task is empty');
  if (!cfg.model)
    usage(
      'no model given: pass --model (or set LOOPSMITH_MODEL, or "model" in loopsmith.config.json)',
    );

  const kind = cfg.sandbox ?? 'bwrap';
  if (kind === 'bwrap') {
    const bw = bwrapAvailable();
    if (!bw.ok)
      usage(
        `bubblewrap is not usable here (${bw.reason}), so model commands cannot be sandboxed.\n${bw.installHint}\nOr pass --sandbox none to run commands on the host without isolation.`,
      );
  }

  let model: Awaited<ReturnType<typeof createModel>>;
  try {
    model = await createModel(cfg.model, { baseUrl: cfg.baseUrl });
  } catch (e) {
    usage((e as Error).message);
  }
  const mcp = await startMcp(cfg.mcpServers, repo);
  const sandbox = createSandbox(kind, repo, {
    ...(cfg.memoryMb ? { memoryBytes: cfg.memoryMb * 1024 * 1024 } : {}),
    ...(cfg.maxProcesses ? { maxProcesses: cfg.maxProcesses } : {}),
  });
  const trajectoryPath = resolve(
    f.trajectory ??
      join(repo, '.loopsmith', 'runs', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`),
  );
  const t = await runAgent(task, model, sandbox, {
    ...(cfg.maxTurns ? { maxTurns: cfg.maxTurns } : {}),
    ...(cfg.maxTokens ? { maxTokens: cfg.maxTokens } : {}),
    ...(cfg.timeout ? { timeoutMs: cfg.timeout * 1000 } : {}),
    trajectoryPath,
    onEvent: f.json ? jsonlSink() : humanSink(),
    ...(mcp ? { tools: [...defaultTools(), ...mcp.tools] } : {}),
  });
  await model.close?.();
  await mcp?.close();
  if (f.atif) await writeFile(resolve(f.atif), JSON.stringify(toAtif(t), null, 1));
  return t.exitCode ?? 1;
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

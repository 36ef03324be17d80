// Run configuration: defaults < user config file < the repo's loopsmith.config.json < env <
// flags. Untrusted input (files, env, flags) is parsed here, at the boundary, and nowhere else.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

export const RunConfigSchema = z
  .object({
    /** Model spec: a model name served at baseUrl, `openai:NAME`, `local:CKPT_DIR`, `scripted:FILE`, `replay:TRAJ`. */
    model: z.string().min(1),
    /** OpenAI-compatible base URL, e.g. http://localhost:8000/v1. */
    baseUrl: z.string().url(),
    maxTurns: z.number().int().positive(),
    maxTokens: z.number().int().positive(),
    /** Wall-clock limit for the run, seconds. */
    timeout: z.number().positive(),
    sandbox: z.enum(['bwrap', 'none']),
    /** Per-command limits inside the sandbox. */
    memoryMb: z.number().int().positive(),
    maxProcesses: z.number().int().positive(),
    /** Stream replies from OpenAI-compatible servers (server-sent events). @default false for `run` */
    stream: z.boolean(),
    /** Tokens of context of the model; compaction keeps prompts inside it. @default local: the checkpoint's; HTTP: what the server reports (llama.cpp /props, vLLM /v1/models), else none */
    contextWindow: z.number().int().positive(),
    /** Command prefixes that run on the host, outside the sandbox, each after approval (e.g. "npm install"). @default [] */
    hostCommands: z.array(z.string().min(1)),
    /** Stdio MCP servers whose tools join the tool list; user config only (they run on the host). */
    mcpServers: z.record(
      z.string().regex(/^[A-Za-z0-9_-]+$/, 'server names are letters, digits, _ and -'),
      z.strictObject({
        command: z.string().min(1),
        args: z.array(z.string()).optional(),
        env: z.record(z.string(), z.string()).optional(),
        cwd: z.string().optional(),
        /** Per-call time limit, seconds. @default 120 */
        timeoutSec: z.number().positive().optional(),
      }),
    ),
  })
  .partial()
  .strict();

export type RunConfig = z.infer<typeof RunConfigSchema>;

export class ConfigError extends Error {}

/** Path of the user config file: $LOOPSMITH_CONFIG, else $XDG_CONFIG_HOME/loopsmith/config.json. */
export function userConfigPath(env = process.env): string {
  if (env.LOOPSMITH_CONFIG) return env.LOOPSMITH_CONFIG;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'loopsmith', 'config.json');
}

function readConfigFile(path: string, required: boolean): RunConfig {
  if (!existsSync(path)) {
    if (required) throw new ConfigError(`config file not found: ${path}`);
    return {};
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  const parsed = RunConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new ConfigError(`${path}: ${issues}`);
  }
  return parsed.data;
}

function fromEnv(env: NodeJS.ProcessEnv): RunConfig {
  const out: RunConfig = {};
  if (env.LOOPSMITH_MODEL) out.model = env.LOOPSMITH_MODEL;
  if (env.LOOPSMITH_BASE_URL) out.baseUrl = env.LOOPSMITH_BASE_URL;
  const parsed = RunConfigSchema.safeParse(out);
  if (!parsed.success)
    throw new ConfigError(
      `environment: ${parsed.error.issues.map((i) => `LOOPSMITH_${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

/** Merges every source for a run in `repo`; `flags` are the CLI's parsed options (undefined = not given). */
export function loadRunConfig(
  repo: string,
  flags: RunConfig,
  env = process.env,
): RunConfig & { sources: string[] } {
  const sources: string[] = [];
  const userPath = userConfigPath(env);
  const user = readConfigFile(userPath, Boolean(env.LOOPSMITH_CONFIG));
  if (Object.keys(user).length) sources.push(userPath);
  const repoPath = join(repo, 'loopsmith.config.json');
  const repoCfg = readConfigFile(repoPath, false);
  // A cloned repository must not start programs on the host just because loopsmith ran in it.
  if (repoCfg.mcpServers)
    throw new ConfigError(
      `${repoPath}: mcpServers: MCP servers run on the host, so only the user config names them (${userPath})`,
    );
  // Nor choose which of the model's commands leave the sandbox.
  if (repoCfg.hostCommands)
    throw new ConfigError(
      `${repoPath}: hostCommands: commands that leave the sandbox are the user's choice, so only the user config names them (${userPath})`,
    );
  if (Object.keys(repoCfg).length) sources.push(repoPath);
  const defined = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  const checked = RunConfigSchema.safeParse(defined);
  if (!checked.success)
    throw new ConfigError(
      checked.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '),
    );
  return { ...user, ...repoCfg, ...fromEnv(env), ...checked.data, sources };
}

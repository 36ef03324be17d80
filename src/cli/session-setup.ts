// What every user-facing session needs before its first message, shared by `run`, `resume`
// and the interactive session: the model (streaming, context window), the sandbox (with
// the session's spill folder visible read-only), the session's files in the per-user state
// directory, and the approval policy for commands that would run on the host.
import { resolve } from 'node:path';
import type { Approver } from '../harness/approval.js';
import type { SessionOptions } from '../harness/session.js';
import { type SessionPaths, sessionPaths } from '../harness/store.js';
import type { Model } from '../providers/model.js';
import { probeContextWindow } from '../providers/openai-context.js';
import { createModel, httpModelName, type ModelSpecOptions } from '../providers/spec.js';
import { bwrapAvailable, createSandbox, type Sandbox } from '../sandbox/index.js';
import type { RunConfig } from './config.js';

/** A setup the user must fix (exit 2): the message says how. */
export class SetupError extends Error {}

export interface SetupRequest {
  repo: string;
  cfg: RunConfig;
  /** Model spec to use when the config names none (resume: the saved session's). */
  fallbackModel?: string;
  /** Asks the user before host commands (interactive); undefined = headless. */
  approve?: Approver;
  /** Headless: run host commands without asking. @default false */
  yes?: boolean;
  /** Stream replies when the config does not say. @default false */
  stream?: boolean;
  /** An existing session's id (resume); a new one otherwise. */
  id?: string;
  /** Trajectory file instead of the state directory's (`--trajectory`). */
  trajectoryPath?: string;
  /** Extra model options (sampling flags of `run`). @default {} */
  modelOptions?: ModelSpecOptions;
}

export interface SessionSetup {
  model: Model;
  sandbox: Sandbox;
  paths: SessionPaths;
  /** For Session.start / resume, to spread under the caller's own (onEvent, tools ...). */
  options: Partial<SessionOptions>;
}

export const HEADLESS_UNSANDBOXED =
  '--sandbox none runs every model command on this machine without isolation, and a headless run cannot ask before each one: pass --yes to allow them all, or use the bubblewrap sandbox (the default)';

/** Builds the model, sandbox, paths and options of a session; SetupError for the user's mistakes. */
export async function setupSession(req: SetupRequest): Promise<SessionSetup> {
  const { repo, cfg } = req;
  const spec = cfg.model ?? req.fallbackModel;
  if (!spec)
    throw new SetupError(
      'no model given: pass --model (or set LOOPSMITH_MODEL, or "model" in loopsmith.config.json)',
    );
  const kind = cfg.sandbox ?? 'bwrap';
  if (kind === 'bwrap') {
    const bw = bwrapAvailable();
    if (!bw.ok)
      throw new SetupError(
        `bubblewrap is not usable here (${bw.reason}), so model commands cannot be sandboxed.\n${bw.installHint}\nOr pass --sandbox none to run commands on the host without isolation.`,
      );
  }
  if (kind === 'none' && !req.approve && !req.yes) throw new SetupError(HEADLESS_UNSANDBOXED);
  const stream = cfg.stream ?? req.stream ?? false;
  let model: Model;
  try {
    model = await createModel(spec, { ...req.modelOptions, baseUrl: cfg.baseUrl, stream });
  } catch (e) {
    throw new SetupError((e as Error).message);
  }
  const paths = sessionPaths(repo, req.id);
  const sandbox = createSandbox(kind, repo, {
    ...(cfg.memoryMb ? { memoryBytes: cfg.memoryMb * 1024 * 1024 } : {}),
    ...(cfg.maxProcesses ? { maxProcesses: cfg.maxProcesses } : {}),
    // The state directory is under the (hidden) home: show this session's outputs, read-only.
    exposePaths: [paths.spillDir],
  });
  const name = httpModelName(spec);
  const baseUrl = cfg.baseUrl ?? process.env.LOOPSMITH_BASE_URL ?? process.env.OPENAI_BASE_URL;
  const contextWindow =
    cfg.contextWindow ?? (name && baseUrl ? await probeContextWindow(baseUrl, name) : undefined);
  const hostCommands = cfg.hostCommands ?? [];
  const approve = req.approve ?? (req.yes ? undefined : headlessDecline);
  return {
    model,
    sandbox,
    paths,
    options: {
      id: paths.id,
      trajectoryPath: req.trajectoryPath ? resolve(req.trajectoryPath) : paths.trajectory,
      spillDir: paths.spillDir,
      readRoots: [paths.spillDir],
      ...(cfg.maxTurns ? { maxTurns: cfg.maxTurns } : {}),
      ...(cfg.maxTokens ? { maxTokens: cfg.maxTokens } : {}),
      ...(cfg.timeout ? { timeoutMs: cfg.timeout * 1000 } : {}),
      ...(contextWindow ? { contextWindow } : {}),
      ...(hostCommands.length
        ? { hostCommands, hostSandbox: createSandbox('none', repo), approve }
        : kind === 'none'
          ? { approve: req.approve }
          : {}),
    },
  };
}

/** Headless without --yes: a host command is refused, and the model is told why. */
const headlessDecline: Approver = async (r) => ({
  no: `Not run: \`${r.command}\` runs outside the sandbox and needs the user's approval, which a headless run cannot ask for (the user can rerun with --yes).`,
});

// What an interactive session holds: the model, the sandbox, the loop Session, the MCP tools
// and the workspace checkpoints (session start, and before each turn), and the operations the
// prompt and the slash commands call.
import type { Approval, ApprovalRequest } from '../../harness/approval.js';
import { fitContext, promptTokens } from '../../harness/compact.js';
import type { McpTools } from '../../harness/mcp/servers.js';
import { Session } from '../../harness/session.js';
import type { Tool } from '../../harness/tool.js';
import { defaultTools } from '../../harness/tools/index.js';
import { saveTrajectory, type Trajectory } from '../../harness/trajectory.js';
import type { Model } from '../../providers/model.js';
import type { RunConfig } from '../config.js';
import { startMcp } from '../run.js';
import { type SamplingFlags, samplingSpecOptions } from '../sampling.js';
import { type SessionSetup, setupSession } from '../session-setup.js';
import { type Checkpoints, openCheckpoints } from './checkpoints.js';
import { c, terminalRenderer } from './render.js';

export interface RuntimeInit {
  repo: string;
  cfg: RunConfig;
  /** Run host commands without asking (`--yes`). */
  yes: boolean;
  /** --temperature / --top-p / --seed (local models greedy unless told). @default {} */
  sampling?: SamplingFlags;
  out(s: string): void;
  /** Asks the person one question; resolves with their line. */
  ask(question: string): Promise<string>;
  resume?: Trajectory;
}

export async function startRuntime(init: RuntimeInit): Promise<Runtime> {
  // Independent start-up steps run side by side (each mostly waits on processes).
  const [mcp, ckpt] = await Promise.allSettled([
    startMcp(init.cfg.mcpServers, init.repo),
    openCheckpoints(init.repo),
  ]);
  if (mcp.status === 'rejected' || ckpt.status === 'rejected') {
    if (mcp.status === 'fulfilled') await mcp.value?.close();
    if (ckpt.status === 'fulfilled') await ckpt.value.dispose();
    throw mcp.status === 'rejected' ? mcp.reason : (ckpt as PromiseRejectedResult).reason;
  }
  const rt = new Runtime(init, mcp.value, ckpt.value);
  await rt.open(init.resume);
  return rt;
}

export class Runtime {
  session!: Session;
  private setup!: SessionSetup;
  private start = '';
  /** Workspace trees before each turn of this session, newest last. */
  private undoStack: string[] = [];
  /** Said to the model with the next message (e.g. that the person undid its changes). */
  private note = '';
  private readonly tools: Tool[];

  constructor(
    private readonly init: RuntimeInit,
    private readonly mcp: McpTools | undefined,
    private readonly ckpt: Checkpoints,
  ) {
    this.tools = [...defaultTools(), ...(mcp?.tools ?? [])];
  }

  get model(): Model {
    return this.setup.model;
  }

  /** Model, sandbox and session files (shared with run/resume), for session `saved` or a new one. */
  private async prepare(saved?: Trajectory, modelSpec?: string): Promise<SessionSetup> {
    const cfg = modelSpec ? { ...this.init.cfg, model: modelSpec } : this.init.cfg;
    return setupSession({
      repo: this.init.repo,
      cfg,
      stream: true,
      yes: this.init.yes,
      modelOptions: samplingSpecOptions(this.init.sampling ?? {}),
      ...(this.init.yes ? {} : { approve: (r: ApprovalRequest) => this.approve(r) }),
      ...(saved ? { id: saved.id, fallbackModel: saved.model } : {}),
    });
  }

  private async begin(setup: SessionSetup, saved?: Trajectory): Promise<void> {
    const old = this.setup?.model;
    this.setup = setup;
    const options = {
      ...setup.options,
      tools: this.tools,
      replyEndsTurn: true,
      onEvent: terminalRenderer(this.init.repo, this.init.out),
    };
    this.session = saved
      ? await Session.resume(saved, setup.model, setup.sandbox, options)
      : await Session.start(setup.model, setup.sandbox, options);
    if (old && old !== setup.model) await old.close?.();
  }

  private async approve(r: ApprovalRequest): Promise<Approval> {
    const where = r.reason === 'unsandboxed' ? 'no sandbox' : 'host command';
    const a = (
      await this.init.ask(
        `${c.yellow(`run on this machine (${where})?`)} ${r.command}  [y]es [n]o [a]lways: `,
      )
    )
      .trim()
      .toLowerCase();
    return a === 'a' || a === 'always' ? 'always' : a === 'y' || a === 'yes' ? 'yes' : 'no';
  }

  /** Starts (or resumes) the loop Session; the workspace now is the new start for /diff. */
  async open(resume?: Trajectory): Promise<void> {
    const start = this.ckpt.take(); // beside the session's own start (both only read the files)
    start.catch(() => {}); // awaited below; not an unhandled rejection meanwhile
    this.undoStack = [];
    await this.begin(await this.prepare(resume), resume);
    this.start = await start;
  }

  /** Sends one message; the workspace is checkpointed first, for /undo. */
  async send(text: string, signal: AbortSignal): Promise<void> {
    this.undoStack.push(await this.ckpt.take());
    const message = this.note ? `${this.note}\n\n${text}` : text;
    this.note = '';
    await this.session.send(message, { signal });
  }

  /** The workspace against the session's start. */
  diff(): Promise<string> {
    return this.ckpt.diff(this.start);
  }

  /**
   * Puts the workspace back as it was before the last turn that changed files (turns that
   * changed nothing are skipped); returns the paths restored, undefined when none did.
   */
  async undo(): Promise<string[] | undefined> {
    for (let tree = this.undoStack.pop(); tree !== undefined; tree = this.undoStack.pop()) {
      const paths = await this.ckpt.restore(tree);
      if (paths.length === 0) continue;
      this.note = `[The user undid the file changes of your last turn; these files are back as they were before it: ${paths.join(', ')}]`;
      return paths;
    }
    return undefined;
  }

  get trajectory(): Trajectory {
    return this.session.trajectory;
  }

  get sessionId(): string {
    return this.session.id;
  }

  /** Switches model; the conversation goes on with the same trajectory. */
  async setModel(spec: string): Promise<void> {
    const t = this.session.trajectory;
    await this.begin(await this.prepare(t, spec), t);
  }

  /**
   * Compacts the context now (`/compact`): the loop's own compaction (elide old outputs, then
   * a summary by the model), asked to halve the next prompt. Runs between turns only.
   */
  async compact(): Promise<string> {
    const t = this.session.trajectory;
    const before = promptTokens(t);
    const kinds: string[] = [];
    const fit = await fitContext(
      t,
      this.model,
      { window: before, reserve: Math.ceil(before / 2) },
      this.setup.options.spillDir as string,
      this.init.repo,
      new AbortController().signal,
      (c) => kinds.push(c.kind),
    );
    await saveTrajectory(this.setup.options.trajectoryPath as string, t);
    if (kinds.length === 0) return `nothing to compact (${before} tokens)`;
    return `compacted (${kinds.join(' + ')}): ${before} -> ${promptTokens(t)} tokens${fit === 'overflow' ? ' (no further)' : ''}`;
  }

  /** Ends this conversation and starts a fresh one (new trajectory) in the same workspace. */
  async renew(): Promise<string> {
    await this.session.close();
    await this.open();
    return this.sessionId;
  }

  /** Saves and closes everything; returns the session id to resume. */
  async close(): Promise<string> {
    await this.session.close();
    await this.mcp?.close();
    await this.ckpt.dispose();
    await this.model.close?.();
    return this.sessionId;
  }
}

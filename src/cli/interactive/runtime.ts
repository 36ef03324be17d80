// What an interactive session holds: the model, the sandbox, the loop Session, the MCP tools
// and the workspace checkpoints (session start, and before each turn), and the operations the
// prompt and the slash commands call.
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { Approval, ApprovalRequest } from '../../harness/approval.js';
import type { McpTools } from '../../harness/mcp/servers.js';
import { Session, type SessionOptions } from '../../harness/session.js';
import type { Tool } from '../../harness/tool.js';
import { defaultTools } from '../../harness/tools/index.js';
import type { Trajectory } from '../../harness/trajectory.js';
import type { Model } from '../../providers/model.js';
import { createModel } from '../../providers/spec.js';
import { bwrapAvailable, createSandbox } from '../../sandbox/index.js';
import type { Sandbox } from '../../sandbox/types.js';
import type { RunConfig } from '../config.js';
import { startMcp } from '../run.js';
import { sessionDir } from '../state-dir.js';
import { type Checkpoints, openCheckpoints } from './checkpoints.js';
import { c, terminalRenderer } from './render.js';

export interface RuntimeInit {
  repo: string;
  cfg: RunConfig;
  sandbox: 'bwrap' | 'none';
  /** Run host commands without asking (`--yes`). */
  yes: boolean;
  out(s: string): void;
  /** Asks the person one question; resolves with their line. */
  ask(question: string): Promise<string>;
  /** The session's directory (trajectory.json, out/). */
  dir: string;
  resume?: Trajectory;
}

export async function startRuntime(init: RuntimeInit): Promise<Runtime> {
  if (init.sandbox === 'bwrap') {
    const bw = bwrapAvailable();
    if (!bw.ok)
      throw new Error(
        `bubblewrap is not usable here (${bw.reason}). ${bw.installHint} Or pass --sandbox none.`,
      );
  }
  const model = await createModel(init.cfg.model as string, { baseUrl: init.cfg.baseUrl });
  const mcp = await startMcp(init.cfg.mcpServers, init.repo);
  const sandbox = createSandbox(init.sandbox, init.repo, {
    ...(init.cfg.memoryMb ? { memoryBytes: init.cfg.memoryMb * 1024 * 1024 } : {}),
    ...(init.cfg.maxProcesses ? { maxProcesses: init.cfg.maxProcesses } : {}),
  });
  const rt = new Runtime(init, model, sandbox, mcp, await openCheckpoints(init.repo));
  await rt.open(init.dir, init.resume);
  return rt;
}

export class Runtime {
  session!: Session;
  private dir = '';
  private start = '';
  /** Workspace trees before each turn of this session, newest last. */
  private undoStack: string[] = [];
  /** Said to the model with the next message (e.g. that the person undid its changes). */
  private note = '';
  private readonly tools: Tool[];

  constructor(
    private readonly init: RuntimeInit,
    public model: Model,
    readonly sandbox: Sandbox,
    private readonly mcp: McpTools | undefined,
    private readonly ckpt: Checkpoints,
  ) {
    this.tools = [...defaultTools(), ...(mcp?.tools ?? [])];
  }

  private options(dir: string): Partial<SessionOptions> {
    const cfg = this.init.cfg;
    return {
      tools: this.tools,
      replyEndsTurn: true,
      trajectoryPath: join(dir, 'trajectory.json'),
      spillDir: join(dir, 'out'),
      readRoots: [join(dir, 'out')],
      onEvent: terminalRenderer(this.init.repo, this.init.out),
      ...(this.init.yes ? {} : { approve: (r: ApprovalRequest) => this.approve(r) }),
      ...(cfg.maxTurns ? { maxTurns: cfg.maxTurns } : {}),
      ...(cfg.maxTokens ? { maxTokens: cfg.maxTokens } : {}),
      ...(cfg.timeout ? { timeoutMs: cfg.timeout * 1000 } : {}),
    };
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

  /** Starts (or resumes) the loop Session in `dir`; the workspace now is the new start. */
  async open(dir: string, resume?: Trajectory): Promise<void> {
    this.dir = dir;
    this.start = await this.ckpt.take();
    this.undoStack = [];
    this.session = resume
      ? await Session.resume(resume, this.model, this.sandbox, this.options(dir))
      : await Session.start(this.model, this.sandbox, this.options(dir));
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
    return this.dir.split('/').pop() as string;
  }

  /** Switches model; the conversation goes on with the same trajectory. */
  async setModel(spec: string): Promise<void> {
    const next = await createModel(spec, { baseUrl: this.init.cfg.baseUrl });
    const old = this.model;
    this.model = next;
    const t = this.session.trajectory;
    this.session = await Session.resume(t, next, this.sandbox, this.options(this.dir));
    await old.close?.();
  }

  /** Compacts the context now, when the loop offers it. */
  async compact(): Promise<string> {
    const s = this.session as Session & { compact?: () => Promise<unknown> };
    if (typeof s.compact !== 'function')
      return 'compaction on demand is not available in this build';
    const r = (await s.compact()) as { kind: string; before: number; after: number } | null;
    return r ? `compacted (${r.kind}): ${r.before} -> ${r.after} tokens` : 'nothing to compact';
  }

  /** Ends this conversation and starts a fresh one (new trajectory) in the same workspace. */
  async renew(): Promise<string> {
    await this.session.close();
    await this.open(sessionDir(this.init.repo, randomUUID()));
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

  get dirPath(): string {
    return dirname(join(this.dir, 'trajectory.json'));
  }
}

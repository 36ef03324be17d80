// The agent loop as a conversation: `send` a user message, the model works through tool
// calls until it calls `finish` (or replies, or a limit, a cancel or an error ends the
// send), and the next `send` continues the same history. `runAgent` (production, eval and
// training alike) is one session with one send; every way out of a send is a typed
// Interrupt, and the trajectory is the message list exactly as sent, saved after every turn.
import { join } from 'node:path';
import type { ToolCall } from '../messages.js';
import type { Model, ModelDelta } from '../providers/model.js';
import { ModelError } from '../providers/model.js';
import type { Sandbox } from '../sandbox/types.js';
import { VERSION } from '../version.js';
import { type AgentOptions, DEFAULT_AGENT_OPTIONS } from './agent.js';
import { ApprovalGate, type ApprovalPolicy } from './approval.js';
import { compactNow, fitContext } from './compact.js';
import type { AgentEvent } from './events.js';
import { DEFAULT_CONTEXT, firstUserMessage, SYSTEM_PROMPT } from './prompt.js';
import { type Snapshot, snapshotWorkspace } from './snapshot.js';
import { EXIT_CODES, Interrupt, type SendStatus } from './status.js';
import type { Tool, ToolContext } from './tool.js';
import { defaultTools, toolSchemas } from './tools/index.js';
import {
  type Compaction,
  newTrajectory,
  saveTrajectory,
  type ToolRecord,
  type Trajectory,
} from './trajectory.js';
import { addUsage, runOne, withAbort } from './turn.js';

export interface SessionOptions extends AgentOptions, ApprovalPolicy {
  /** Id of a new session's trajectory (to name its files before it starts). @default a random UUID */
  id?: string;
  /** The first message when known at start (headless runs): shown in `session.started`. @default '' */
  task?: string;
  /** Where full outputs of cut commands (and elided context) are saved. @default <root>/.loopsmith/out */
  spillDir?: string;
  /** Host directories outside the workspace that `read` may read (e.g. the spill dir). @default [] */
  readRoots?: string[];
  /** A reply without a tool call ends the send (`replied`) instead of counting as a format error. @default false */
  replyEndsTurn?: boolean;
  /** Tokens of context; compaction keeps prompts inside it. @default model.contextWindow (none: never compact) */
  contextWindow?: number;
}

export interface SendResult {
  status: SendStatus;
  message?: string;
  summary?: string;
  /** Turns run by this send. */
  turns: number;
}

const NO_TOOL_CALL =
  'Error: no tool call in your reply. Call one of the tools; call finish when the task is done.';

export class Session {
  private busy = false;
  private sent = 0;
  private readonly gate: ApprovalGate;
  private readonly tools: Tool[];

  private constructor(
    readonly model: Model,
    readonly sandbox: Sandbox,
    private readonly o: SessionOptions,
    /** The live record; callers read it, only the session writes it. */
    readonly trajectory: Trajectory,
    /** The workspace as the session (or its resumption) found it. */
    readonly snapshot: Snapshot,
    private readonly started: number,
  ) {
    this.tools = o.tools ?? defaultTools();
    this.gate = new ApprovalGate(o, sandbox);
  }

  /** A new conversation in the sandbox's workspace. */
  static async start(model: Model, sandbox: Sandbox, opts: Partial<SessionOptions> = {}) {
    const o = { ...DEFAULT_AGENT_OPTIONS, ...opts };
    const t = newTrajectory({
      loopsmithVersion: VERSION,
      model: model.id,
      task: o.task ?? '',
      repo: sandbox.root,
      sandbox: sandbox.kind,
      tools: toolSchemas(o.tools ?? defaultTools()),
      extra: o.extra,
    });
    if (o.id) t.id = o.id;
    t.messages.push({ role: 'system', content: o.systemPrompt ?? SYSTEM_PROMPT });
    return Session.open(model, sandbox, o, t, false);
  }

  /** Continues a saved trajectory: same id, history and turn numbering. */
  static async resume(
    saved: Trajectory,
    model: Model,
    sandbox: Sandbox,
    opts: Partial<SessionOptions> = {},
  ) {
    const t = structuredClone(saved);
    t.model = model.id;
    t.sandbox = sandbox.kind;
    t.status = 'running';
    t.exitCode = null;
    // The tools of this session (MCP servers may have changed since) are the ones the model sees.
    t.tools = toolSchemas(opts.tools ?? defaultTools());
    const s = await Session.open(model, sandbox, { ...DEFAULT_AGENT_OPTIONS, ...opts }, t, true);
    s.sent = t.messages.some((m) => m.role === 'user') ? 1 : 0;
    return s;
  }

  private static async open(
    model: Model,
    sandbox: Sandbox,
    o: SessionOptions,
    t: Trajectory,
    resumed: boolean,
  ) {
    const snapshot = await snapshotWorkspace(sandbox.root);
    const s = new Session(model, sandbox, o, t, snapshot, Date.now() - t.durationMs);
    s.emit({
      type: 'session.started',
      id: t.id,
      model: model.id,
      repo: sandbox.root,
      sandbox: sandbox.kind,
      task: t.task,
      resumed,
    });
    return s;
  }

  get id(): string {
    return this.trajectory.id;
  }

  private emit(e: AgentEvent) {
    this.o.onEvent?.(e);
  }

  private save() {
    const t = this.trajectory;
    t.durationMs = Date.now() - this.started;
    return this.o.trajectoryPath
      ? saveTrajectory(this.o.trajectoryPath, t, this.sandbox.root)
      : Promise.resolve();
  }

  /**
   * Adds a user message and runs turns until the send ends; resolves with how it ended
   * (never rejects for a model error, a limit or a cancel). An empty `text` on a resumed
   * session continues where it stopped without a new message.
   */
  async send(text: string, { signal }: { signal?: AbortSignal } = {}): Promise<SendResult> {
    if (this.busy) throw new Error('session: a send is already running');
    this.busy = true;
    const o = this.o;
    const t = this.trajectory;
    const timer = new AbortController();
    const deadline = setTimeout(
      () =>
        timer.abort(new Interrupt('time_limit', `time limit of ${o.timeoutMs / 1000}s reached`)),
      o.timeoutMs,
    );
    const cancel = () => timer.abort(new Interrupt('cancelled', 'cancelled by the user'));
    if (signal?.aborted) cancel();
    signal?.addEventListener('abort', cancel, { once: true });
    const run = timer.signal;
    const ctx: ToolContext = {
      root: this.sandbox.root,
      workdir: this.sandbox.workdir,
      sandbox: this.sandbox,
      spillDir: this.spillDir,
      readRoots: o.readRoots ?? [],
      signal: run,
    };
    const turnsBefore = t.turns.length;
    const result: SendResult = { status: 'error', turns: 0 };
    try {
      if (this.sent++ === 0) {
        t.task = text;
        t.messages.push({
          role: 'user',
          content: await firstUserMessage(text, this.tools, ctx, DEFAULT_CONTEXT),
        });
      } else if (text !== '') t.messages.push({ role: 'user', content: text });
      const window = o.contextWindow ?? this.model.contextWindow;
      const usageAt = t.usage.totalTokens;
      const spent = () => t.usage.totalTokens - usageAt;
      let formatErrors = 0;
      for (let n = 1; ; n++) {
        if (n > o.maxTurns)
          throw new Interrupt('turn_limit', `turn limit of ${o.maxTurns} reached`);
        if (window) {
          const fit = await fitContext(
            t,
            this.model,
            { window },
            ctx.spillDir,
            ctx.root,
            run,
            (c) => this.emitCompaction(c),
          );
          if (fit === 'overflow')
            throw new Interrupt(
              'context_limit',
              `the conversation no longer fits the ${window}-token context window, even compacted`,
            );
        }
        const turn = t.turns.length + 1;
        this.emit({ type: 'turn.started', turn });
        const t0 = Date.now();
        const onDelta = (d: ModelDelta) =>
          this.emit(
            'text' in d
              ? { type: 'model.delta', turn, text: d.text }
              : 'toolCall' in d
                ? { type: 'model.delta', turn, toolCall: d.toolCall }
                : { type: 'model.restart', turn, reason: d.restart },
          );
        const res = await withAbort(
          this.model.complete({ messages: t.messages, tools: t.tools, signal: run, onDelta }),
          run,
        );
        const message = {
          role: 'assistant' as const,
          content: res.message.content ?? null,
          ...(res.message.tool_calls?.length ? { tool_calls: res.message.tool_calls } : {}),
        };
        t.messages.push(message);
        const record: ToolRecord[] = [];
        t.turns.push({
          turn,
          messageIndex: t.messages.length - 1,
          usage: res.usage,
          modelMs: Date.now() - t0,
          finishReason: res.finishReason,
          tools: record,
          ...(res.tokens ? { tokens: res.tokens } : {}),
        });
        addUsage(t.usage, res.usage);
        this.emit({
          type: 'model.response',
          turn,
          usage: res.usage,
          ms: Date.now() - t0,
          text: message.content,
          toolCalls: message.tool_calls?.length ?? 0,
        });

        const calls = message.tool_calls ?? [];
        if (calls.length === 0 && o.replyEndsTurn) {
          await this.save();
          this.emit({ type: 'turn.completed', turn, usage: { ...t.usage } });
          throw new Interrupt('replied', 'replied');
        }
        if (calls.length === 0) {
          t.messages.push({ role: 'user', content: NO_TOOL_CALL });
          formatErrors++;
        }
        let finished: string | undefined;
        for (const call of calls) {
          // Every call gets its answer, so the history stays a valid conversation.
          const skip =
            finished !== undefined
              ? 'Not run: finish ended the task.'
              : run.aborted
                ? `Not run: ${(run.reason as Error).message}.`
                : undefined;
          if (skip) {
            t.messages.push({ role: 'tool', tool_call_id: call.id, content: skip });
            continue;
          }
          const r = await this.runOne(call, ctx, turn);
          const content = run.aborted
            ? `${r.content}\n[interrupted: ${(run.reason as Error).message}]`
            : r.content;
          t.messages.push({ role: 'tool', tool_call_id: call.id, content });
          record.push(r.record);
          formatErrors = r.record.formatError ? formatErrors + 1 : 0;
          if (r.finish !== undefined) finished = r.finish;
        }
        await this.save(); // before turn.completed, so a consumer of the event finds the turn on disk
        this.emit({ type: 'turn.completed', turn, usage: { ...t.usage } });
        if (run.aborted) throw run.reason;
        if (finished !== undefined) {
          t.summary = result.summary = finished;
          throw new Interrupt('submitted', 'finished');
        }
        if (spent() > o.maxTokens)
          throw new Interrupt('token_limit', `token budget of ${o.maxTokens} spent (${spent()})`);
        if (formatErrors >= o.maxFormatErrors)
          throw new Interrupt('format_errors', `${formatErrors} malformed replies in a row`);
      }
    } catch (err) {
      const why = run.aborted && run.reason instanceof Interrupt ? run.reason : err;
      if (why instanceof Interrupt) {
        result.status = why.status;
        if (why.status !== 'submitted' && why.status !== 'replied') result.message = why.message;
      } else
        result.message =
          why instanceof ModelError
            ? `model error: ${why.message}`
            : `internal error: ${(why as Error)?.stack ?? String(why)}`;
    } finally {
      clearTimeout(deadline);
      signal?.removeEventListener('abort', cancel);
      this.busy = false;
    }
    result.turns = t.turns.length - turnsBefore;
    t.status = result.status === 'replied' ? 'submitted' : result.status;
    t.exitCode = EXIT_CODES[t.status as keyof typeof EXIT_CODES];
    t.message = result.message;
    await this.save();
    this.emit({
      type: 'send.completed',
      status: result.status,
      message: result.message,
      summary: result.summary,
      usage: { ...t.usage },
    });
    return result;
  }

  /**
   * Compacts the conversation now (`/compact`): old tool outputs elided, earlier turns
   * summarised by the model. Null when there was nothing to compact.
   */
  async compact(): Promise<{ kind: 'elide' | 'summary'; before: number; after: number } | null> {
    if (this.busy) throw new Error('session: a send is running');
    this.busy = true;
    try {
      const window = this.o.contextWindow ?? this.model.contextWindow ?? Number.MAX_SAFE_INTEGER;
      const c = await compactNow(
        this.trajectory,
        this.model,
        { window },
        this.spillDir,
        this.sandbox.root,
        new AbortController().signal,
        (x) => this.emitCompaction(x),
      );
      await this.save();
      return c && { kind: c.kind, before: c.tokensBefore, after: c.tokensAfter };
    } finally {
      this.busy = false;
    }
  }

  private get spillDir(): string {
    return this.o.spillDir ?? join(this.sandbox.root, '.loopsmith', 'out');
  }

  private emitCompaction(c: Compaction) {
    this.emit({
      type: 'compaction',
      turn: c.afterTurn + 1,
      kind: c.kind,
      tokensBefore: c.tokensBefore,
      tokensAfter: c.tokensAfter,
    });
  }

  /** Ends the session: the workspace diff, the final save, `session.completed`. */
  async close(): Promise<Trajectory> {
    const t = this.trajectory;
    if (t.status === 'running') {
      t.status = 'submitted';
      t.exitCode = 0;
    }
    t.diff = await this.snapshot.diff().catch((e) => `(diff failed: ${(e as Error).message})`);
    await this.snapshot.dispose();
    await this.save();
    this.emit({
      type: 'session.completed',
      status: t.status as keyof typeof EXIT_CODES,
      exitCode: t.exitCode ?? 1,
      usage: { ...t.usage },
      turns: t.turns.length,
      ms: t.durationMs,
      message: t.message,
      summary: t.summary,
      trajectory: this.o.trajectoryPath,
    });
    return t;
  }

  private runOne(call: ToolCall, ctx: ToolContext, turn: number) {
    return runOne(call, this.tools, ctx, this.gate, turn, (e) => this.emit(e));
  }
}

// `loopsmith acp`: the agent side of the Agent Client Protocol (Zed, JetBrains IDEs, Neovim
// plugins host agents through it). Each ACP session is one loop Session — the same loop,
// tools and trajectory as `loopsmith run` — with the editor's text streamed back, tool calls
// shown as they run, approvals asked through the editor, cancellation, and file reads and
// writes through the editor's buffers when it offers them.
import { realpathSync } from 'node:fs';
import {
  type AgentContext,
  agent,
  type ClientCapabilities,
  type ContentBlock,
  type NewSessionRequest,
  PROTOCOL_VERSION,
  RequestError,
  type StopReason,
} from '@agentclientprotocol/sdk';
import type { Approval, ApprovalRequest, Approver } from '../harness/approval.js';
import type { AgentEvent } from '../harness/events.js';
import { connectMcpServers, type McpServerConfig, type McpTools } from '../harness/mcp/servers.js';
import { Session, type SessionOptions } from '../harness/session.js';
import type { SendStatus } from '../harness/status.js';
import { defaultTools } from '../harness/tools/index.js';
import type { Trajectory } from '../harness/trajectory.js';
import type { Model } from '../providers/model.js';
import type { Sandbox } from '../sandbox/types.js';
import { VERSION } from '../version.js';
import { withClientFs } from './client-fs.js';
import { historyUpdates, toolTitle, UpdateMapper } from './updates.js';

/** What a new session is made of (src/cli/session-setup.ts builds it the same way for `run`). */
export interface SessionSetup {
  model: Model;
  sandbox: Sandbox;
  paths: { id: string };
  options: Partial<SessionOptions>;
}

export interface AcpServerOptions {
  /**
   * Model, sandbox, session files (outside the repository) and options for a new session in
   * `root`, built as for `run` (src/cli/session-setup.ts); `approve` asks the editor.
   */
  setup(root: string, approve: Approver, saved?: Trajectory): Promise<SessionSetup>;
  /** A saved session of `root` by id (session/load); throws a one-line error when there is none. */
  find?(root: string, id: string): Trajectory;
  /** MCP servers from the user's config, added to those the editor names. */
  mcpServers?: Record<string, McpServerConfig>;
}

interface Live {
  session: Session;
  model: Model;
  mcp: McpTools;
  root: string;
  /** The running prompt's cancel, if any. */
  cancel?: AbortController;
  /** The context of the running prompt: updates and permission requests go through it. */
  client?: AgentContext;
  /** Updates are sent in order: each waits for the one before. */
  queue: Promise<void>;
}

const STOP: Record<SendStatus, StopReason | undefined> = {
  submitted: 'end_turn',
  replied: 'end_turn',
  cancelled: 'cancelled',
  turn_limit: 'max_turn_requests',
  token_limit: 'max_tokens',
  context_limit: 'max_tokens',
  time_limit: 'end_turn',
  format_errors: 'end_turn',
  error: undefined,
};

/** The text the loop reads for an ACP prompt: text blocks, and mentioned resources by path. */
export function promptText(blocks: ContentBlock[]): string {
  return blocks
    .map((b) => {
      if (b.type === 'text') return b.text;
      if (b.type === 'resource_link') return `@${b.uri.replace(/^file:\/\//, '')}`;
      if (b.type === 'resource' && 'text' in b.resource)
        return `${b.resource.uri}:\n${b.resource.text}`;
      return `[${b.type} not supported]`;
    })
    .join('\n');
}

/** Builds the ACP agent app; `app.connect(ndJsonStream(...))` serves it. */
export function acpServer(o: AcpServerOptions) {
  const sessions = new Map<string, Live>();
  let caps: ClientCapabilities = {};

  // A loop Session for an editor session: new, or a saved one continued (session/load).
  async function open(params: NewSessionRequest, saved?: Trajectory): Promise<string> {
    let root: string;
    try {
      root = realpathSync(params.cwd);
    } catch {
      throw RequestError.invalidParams(undefined, `cwd ${params.cwd} does not exist`);
    }
    const fromEditor: Record<string, McpServerConfig> = {};
    for (const s of params.mcpServers ?? [])
      if ('command' in s)
        fromEditor[s.name] = {
          command: s.command,
          args: s.args,
          env: Object.fromEntries(s.env.map((v) => [v.name, v.value])),
        };
    const mcp = await connectMcpServers({ ...o.mcpServers, ...fromEditor }, root).catch((e) => {
      throw RequestError.internalError(undefined, (e as Error).message);
    });
    const fs = caps.fs ?? {};
    let live: Live | undefined;
    const notify = (update: Parameters<AgentContext['notify']>[1]) => {
      const l = live;
      if (!l?.client) return;
      const client = l.client;
      l.queue = l.queue.then(() => client.notify('session/update', update)).catch(() => {});
    };
    const mapper = new UpdateMapper(root);
    const tools = withClientFs([...defaultTools(), ...mcp.tools], {
      onBefore: (abs, text) => mapper.noteBefore(abs, text),
      ...(fs.readTextFile
        ? {
            read: async (abs: string) =>
              (await live?.client?.request('fs/read_text_file', { sessionId, path: abs }))?.content,
          }
        : {}),
      ...(fs.writeTextFile
        ? {
            write: async (abs: string, content: string) => {
              await live?.client?.request('fs/write_text_file', {
                sessionId,
                path: abs,
                content,
              });
            },
          }
        : {}),
    });
    const approve = async (req: ApprovalRequest): Promise<Approval> => {
      const client = live?.client;
      if (!client) return 'no';
      const r = await client.request(
        'session/request_permission',
        {
          sessionId,
          toolCall: {
            toolCallId: req.id,
            title: toolTitle(req.tool, { command: req.command }),
            kind: 'execute',
            status: 'pending',
            rawInput: { command: req.command, reason: req.reason },
          },
          options: [
            { optionId: 'yes', name: 'Run', kind: 'allow_once' },
            { optionId: 'always', name: 'Always run this command', kind: 'allow_always' },
            { optionId: 'no', name: 'Do not run', kind: 'reject_once' },
          ],
        },
        { cancellationSignal: live?.cancel?.signal },
      );
      if (r.outcome.outcome !== 'selected') return 'no';
      return r.outcome.optionId === 'yes' || r.outcome.optionId === 'always'
        ? r.outcome.optionId
        : 'no';
    };
    const setup = await o.setup(root, approve, saved).catch(async (e) => {
      await mcp.close();
      throw RequestError.internalError(undefined, (e as Error).message);
    });
    const sessionId = setup.paths.id;
    const options = {
      ...setup.options,
      tools,
      replyEndsTurn: true,
      onEvent: (e: AgentEvent) => {
        for (const update of mapper.map(e)) notify({ sessionId, update });
      },
    };
    const session = saved
      ? await Session.resume(saved, setup.model, setup.sandbox, options)
      : await Session.start(setup.model, setup.sandbox, options);
    live = { session, model: setup.model, mcp, root, queue: Promise.resolve() };
    sessions.set(sessionId, live);
    return sessionId;
  }

  return agent({ name: 'loopsmith' })
    .onRequest('initialize', ({ params }) => {
      caps = params.clientCapabilities ?? {};
      return {
        protocolVersion: PROTOCOL_VERSION,
        agentCapabilities: {
          loadSession: Boolean(o.find),
          promptCapabilities: { embeddedContext: true },
          mcpCapabilities: { http: false, sse: false },
        },
        agentInfo: { name: 'loopsmith', version: VERSION },
        authMethods: [],
      };
    })
    .onRequest('session/new', async ({ params }) => ({ sessionId: await open(params) }))
    .onRequest('session/load', async ({ params, client }) => {
      let saved: Trajectory;
      try {
        saved = (o.find as NonNullable<typeof o.find>)(realpathSync(params.cwd), params.sessionId);
      } catch (e) {
        throw RequestError.resourceNotFound(`${params.sessionId}: ${(e as Error).message}`);
      }
      if (!sessions.has(saved.id)) await open(params, saved);
      // The editor shows the conversation so far: replayed as updates before the answer.
      for (const update of historyUpdates(saved))
        await client.notify('session/update', { sessionId: saved.id, update });
      return {};
    })
    .onRequest('session/prompt', async ({ params, client, signal }) => {
      const live = sessions.get(params.sessionId);
      if (!live) throw RequestError.resourceNotFound(params.sessionId);
      if (live.cancel) throw RequestError.invalidRequest(undefined, 'a prompt is already running');
      const cancel = new AbortController();
      signal.addEventListener('abort', () => cancel.abort(), { once: true });
      live.cancel = cancel;
      live.client = client;
      try {
        const r = await live.session.send(promptText(params.prompt), { signal: cancel.signal });
        await live.queue; // every update is out before the prompt's answer
        const stopReason = STOP[r.status];
        if (!stopReason) throw RequestError.internalError(undefined, r.message ?? 'the run failed');
        if (r.message && r.status !== 'cancelled')
          await client.notify('session/update', {
            sessionId: params.sessionId,
            update: {
              sessionUpdate: 'agent_message_chunk',
              content: { type: 'text', text: `\n[${r.status}: ${r.message}]` },
            },
          });
        return { stopReason };
      } finally {
        live.cancel = undefined;
      }
    })
    .onNotification('session/cancel', ({ params }) => {
      sessions.get(params.sessionId)?.cancel?.abort();
    })
    .onConnect((conn) => {
      conn.closed.then(async () => {
        for (const l of sessions.values()) {
          l.cancel?.abort();
          await l.session.close().catch(() => {});
          await l.mcp.close();
          await l.model.close?.();
        }
      });
    });
}

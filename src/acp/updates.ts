// The loop's events as ACP `session/update`s: streamed text as message chunks, each tool
// call as a tool_call (title, kind, the files it touches) and its result as an update.
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { SessionUpdate, ToolKind } from '@agentclientprotocol/sdk';
import type { AgentEvent } from '../harness/events.js';
import type { Trajectory } from '../harness/trajectory.js';

const KINDS: Record<string, ToolKind> = {
  read: 'read',
  list: 'read',
  search: 'search',
  edit: 'edit',
  write: 'edit',
  bash: 'execute',
  finish: 'other',
};

const readOr = (abs: string): string | null => {
  try {
    return readFileSync(abs, 'utf8');
  } catch {
    return null;
  }
};

function parse(args: string): Record<string, unknown> {
  try {
    const v = JSON.parse(args);
    return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

/** A short title for the editor's tool-call list: the command, or the tool and its path. */
export function toolTitle(name: string, args: Record<string, unknown>): string {
  if (name === 'bash' && typeof args.command === 'string') return args.command;
  if (typeof args.path === 'string') return `${name} ${args.path}`;
  if (name === 'search' && typeof args.pattern === 'string') return `search ${args.pattern}`;
  return name;
}

/** Turns loop events into updates; keeps per-turn state (was the text streamed?). */
export class UpdateMapper {
  private streamed = new Set<number>();
  /** Text of the file an edit/write call is about to change, by call id (for its diff). */
  private before = new Map<string, { abs: string; text: string | null }>();
  constructor(private readonly root: string) {}

  /** The text a file tool really started from (the editor's buffer, synced to disk first). */
  noteBefore(abs: string, text: string): void {
    for (const b of this.before.values()) if (b.abs === abs) b.text = text;
  }

  map(e: AgentEvent): SessionUpdate[] {
    switch (e.type) {
      case 'model.delta':
        if ('text' in e && e.text) {
          this.streamed.add(e.turn);
          return [
            { sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: e.text } },
          ];
        }
        return [];
      case 'model.response':
        // A model that does not stream still shows its text, once, when the turn's reply is in.
        if (!this.streamed.has(e.turn) && e.text?.trim())
          return [
            { sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: e.text } },
          ];
        return [];
      case 'tool.started': {
        const args = parse(e.arguments);
        const path = typeof args.path === 'string' ? args.path : undefined;
        const abs = path && (isAbsolute(path) ? path : join(this.root, path));
        if (abs && (e.name === 'edit' || e.name === 'write'))
          this.before.set(e.id, { abs, text: readOr(abs) });
        return [
          {
            sessionUpdate: 'tool_call',
            toolCallId: e.id,
            title: toolTitle(e.name, args),
            kind: KINDS[e.name] ?? 'other',
            status: 'in_progress',
            rawInput: args,
            ...(abs ? { locations: [{ path: abs }] } : {}),
          },
        ];
      }
      case 'tool.completed': {
        const b = this.before.get(e.id);
        this.before.delete(e.id);
        const after = b && !e.isError ? readOr(b.abs) : null;
        // An edit shows as a diff in the editor; its text observation follows it.
        const diff =
          b && after !== null
            ? [{ type: 'diff' as const, path: b.abs, oldText: b.text, newText: after }]
            : [];
        return [
          {
            sessionUpdate: 'tool_call_update',
            toolCallId: e.id,
            status: e.isError ? 'failed' : 'completed',
            content: [...diff, { type: 'content', content: { type: 'text', text: e.output } }],
            rawOutput: { exitCode: e.exitCode ?? null, truncated: e.truncated },
          },
        ];
      }
      default:
        return [];
    }
  }
}

/** A saved conversation as updates, for an editor that loads it (session/load). */
export function historyUpdates(t: Trajectory): SessionUpdate[] {
  const out: SessionUpdate[] = [];
  const results = new Map<string, string>();
  for (const m of t.messages) if (m.role === 'tool') results.set(m.tool_call_id, m.content);
  const failed = new Set(t.turns.flatMap((x) => x.tools.filter((r) => r.isError).map((r) => r.id)));
  let users = 0;
  for (const m of t.messages) {
    if (m.role === 'user') {
      // The first message carries AGENTS.md and the file overview; the person typed the task.
      const text = users++ === 0 ? t.task : m.content;
      out.push({ sessionUpdate: 'user_message_chunk', content: { type: 'text', text } });
    } else if (m.role === 'assistant') {
      if (m.content?.trim())
        out.push({
          sessionUpdate: 'agent_message_chunk',
          content: { type: 'text', text: m.content },
        });
      for (const call of m.tool_calls ?? []) {
        const args = parse(call.function.arguments);
        out.push({
          sessionUpdate: 'tool_call',
          toolCallId: call.id,
          title: toolTitle(call.function.name, args),
          kind: KINDS[call.function.name] ?? 'other',
          status: failed.has(call.id) ? 'failed' : 'completed',
          rawInput: args,
          content: [
            { type: 'content', content: { type: 'text', text: results.get(call.id) ?? '' } },
          ],
        });
      }
    }
  }
  return out;
}

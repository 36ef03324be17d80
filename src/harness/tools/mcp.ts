// An MCP server's tool as a loopsmith tool: the server's JSON Schema is what the model sees,
// the same schema (as zod) validates the call before it leaves the harness, so a malformed
// call gets the built-in tools' error observation; results become text, capped like `bash`.
import { z } from 'zod';
import { type Tool, ToolError } from '../tool.js';
import { BASH_LIMITS, headTail, writeSpill } from './bash.js';

/** A tool as an MCP server lists it (`tools/list`). */
export interface McpToolDef {
  name: string;
  description?: string;
  inputSchema: Record<string, unknown>;
}

/** One content block of an MCP tool result (the parts loopsmith reads). */
export interface McpContent {
  type: string;
  text?: string;
  mimeType?: string;
  data?: string;
  uri?: string;
  resource?: { uri?: string; text?: string; mimeType?: string };
}

export interface McpCallResult {
  content?: McpContent[];
  structuredContent?: unknown;
  isError?: boolean;
}

/** Sends `tools/call` to the server that owns the tool. */
export type McpCall = (
  name: string,
  args: Record<string, unknown>,
  signal?: AbortSignal,
) => Promise<McpCallResult>;

/** `server__tool`, within the 64 characters of [A-Za-z0-9_-] that Chat Completions allows. */
export function mcpToolName(server: string, tool: string): string {
  return `${server}__${tool}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
}

// A schema zod cannot rebuild still gets an object check here; the server validates the rest.
function zodOf(schema: Record<string, unknown>): z.ZodType {
  try {
    return z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch {
    return z.record(z.string(), z.unknown());
  }
}

/** The text the model reads for one result: text blocks as they are, binary parts named. */
export function resultText(r: McpCallResult): string {
  const parts = (r.content ?? []).map((c) => {
    if (c.type === 'text') return c.text ?? '';
    if (c.type === 'resource')
      return (
        c.resource?.text ?? `[resource ${c.resource?.uri ?? ''} ${c.resource?.mimeType ?? ''}]`
      );
    if (c.type === 'resource_link') return `[resource link ${c.uri ?? ''}]`;
    const bytes = c.data ? Math.floor((c.data.length * 3) / 4) : 0;
    return `[${c.type} ${c.mimeType ?? ''} ${bytes} bytes, not shown]`;
  });
  if (parts.length === 0 && r.structuredContent !== undefined)
    parts.push(JSON.stringify(r.structuredContent));
  const text = parts.join('\n');
  return text === '' ? '(no output)' : text;
}

/** Wraps one tool of the MCP server `server` (named `server__tool` for the model). */
export function mcpTool(server: string, def: McpToolDef, call: McpCall): Tool {
  const parameters = { type: 'object', ...def.inputSchema };
  return {
    name: mcpToolName(server, def.name),
    description: def.description ?? `${def.name} (MCP server ${server})`,
    schema: zodOf(parameters),
    parameters,
    async execute(args, ctx) {
      let r: McpCallResult;
      try {
        r = await call(def.name, args as Record<string, unknown>, ctx.signal);
      } catch (e) {
        if (ctx.signal?.aborted) throw e;
        throw new ToolError(`MCP server ${server} failed on ${def.name}: ${(e as Error).message}`);
      }
      const text = resultText(r);
      const cut = headTail(text, BASH_LIMITS.headTailLines, BASH_LIMITS.maxChars);
      let output = text;
      let spilled: string | undefined;
      if (cut) {
        spilled = await writeSpill(ctx, text);
        output = `${cut.head}\n[... output cut (${cut.cutLines} lines, ${cut.cutChars} chars cut); full output: ${spilled} ...]\n${cut.tail}`;
      }
      return {
        output,
        isError: Boolean(r.isError),
        meta: { truncated: Boolean(cut), spillPath: spilled, mcpServer: server },
      };
    },
  };
}

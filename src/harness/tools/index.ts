// The tool set and the one wrapper the loop calls tools through: parse, validate, run, and
// turn every failure into an observation the model can act on, never a crash.
import { z } from 'zod';
import type { ToolCall, ToolSchema } from '../../messages.js';
import { type Tool, type ToolContext, ToolError, type ToolResult } from '../tool.js';
import { bashTool } from './bash.js';
import { editTool } from './edit.js';
import { finishTool } from './finish.js';
import { listTool } from './list.js';
import { readTool } from './read.js';
import { searchTool } from './search.js';
import { writeTool } from './write.js';

export { resolvePath } from './paths.js';
export { bashTool, editTool, finishTool, listTool, readTool, searchTool, writeTool };

/** The default tool set, in the order the model sees it. */
export function defaultTools(): Tool[] {
  return [readTool, listTool, searchTool, editTool, writeTool, bashTool, finishTool] as Tool[];
}

// Keys that cost tokens on every turn without telling the model anything it needs.
const NOISE = new Set(['$schema', 'additionalProperties']);
const SAFE_INT = Number.MAX_SAFE_INTEGER;

function clean(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(clean);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (NOISE.has(k)) continue;
    // zod writes the safe-integer range on every int; it is implied.
    if ((k === 'maximum' && v === SAFE_INT) || (k === 'minimum' && v === -SAFE_INT)) continue;
    out[k] = clean(v);
  }
  return out;
}

/** JSON Schema of one tool's arguments as the model sees it (input side: defaults optional). */
export function parametersOf(tool: Tool): Record<string, unknown> {
  return clean(tool.parameters ?? z.toJSONSchema(tool.schema, { io: 'input' })) as Record<
    string,
    unknown
  >;
}

/** The `tools` field of a Chat Completions request for these tools. */
export function toolSchemas(tools: Tool[]): ToolSchema[] {
  return tools.map((t) => ({
    type: 'function',
    function: { name: t.name, description: t.description, parameters: parametersOf(t) },
  }));
}

/** `{path: string, offset?: integer}`: the expected shape, short enough for an error message. */
export function shapeOf(tool: Tool): string {
  const p = parametersOf(tool) as {
    properties?: Record<string, { type?: string }>;
    required?: string[];
  };
  const req = new Set(p.required ?? []);
  const fields = Object.entries(p.properties ?? {}).map(
    ([k, v]) => `${k}${req.has(k) ? '' : '?'}: ${v.type ?? 'any'}`,
  );
  return `{${fields.join(', ')}}`;
}

export type FormatError = 'unknown_tool' | 'bad_json' | 'bad_arguments';

const typeName = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

function describeIssues(tool: Tool, error: z.ZodError, args: Record<string, unknown>): string {
  const lines = error.issues.map((i) => {
    const key = i.path.join('.') || '(arguments)';
    const given = i.path.length ? args[String(i.path[0])] : args;
    if (i.code !== 'invalid_type') return `${key}: ${i.message.replace(/^Invalid input: /, '')}`;
    if (given === undefined) return `${key}: missing (required)`;
    const shown =
      typeof given === 'string'
        ? ` ${JSON.stringify(given.length > 40 ? `${given.slice(0, 40)}...` : given)}`
        : '';
    return `${key}: expected ${i.expected}, got ${typeName(given)}${shown}`;
  });
  const known = new Set(
    Object.keys((parametersOf(tool) as { properties?: object }).properties ?? {}),
  );
  const unknown = Object.keys(args).filter((k) => !known.has(k));
  if (unknown.length)
    lines.push(`unknown argument${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
  return `invalid arguments for ${tool.name}:\n${lines.map((l) => `- ${l}`).join('\n')}\nexpected ${shapeOf(tool)}`;
}

/** Runs one model tool call; every failure becomes an error observation, format errors marked. */
export async function runToolCall(
  tools: Tool[],
  call: ToolCall,
  ctx: ToolContext,
): Promise<ToolResult & { formatError?: FormatError }> {
  const name = call.function?.name;
  const tool = tools.find((t) => t.name === name);
  if (!tool) {
    return {
      output: `unknown tool ${JSON.stringify(name)}; available tools: ${tools.map((t) => t.name).join(', ')}`,
      isError: true,
      formatError: 'unknown_tool',
    };
  }
  const text = call.function.arguments ?? '';
  let args: unknown;
  try {
    // Models often send "" for a call without arguments.
    args = text.trim() === '' ? {} : JSON.parse(text);
    // Some models encode the arguments twice: a JSON string holding the JSON object.
    if (typeof args === 'string' && args.trim().startsWith('{')) args = JSON.parse(args);
  } catch (e) {
    return {
      output: `arguments of ${tool.name} are not valid JSON (${(e as Error).message}); expected ${shapeOf(tool)}`,
      isError: true,
      formatError: 'bad_json',
    };
  }
  if (args === null || typeof args !== 'object' || Array.isArray(args)) {
    return {
      output: `arguments of ${tool.name} must be a JSON object, got ${typeName(args)}; expected ${shapeOf(tool)}`,
      isError: true,
      formatError: 'bad_arguments',
    };
  }
  const parsed = tool.schema.safeParse(args);
  if (!parsed.success) {
    return {
      output: describeIssues(tool, parsed.error, args as Record<string, unknown>),
      isError: true,
      formatError: 'bad_arguments',
    };
  }
  try {
    return await tool.execute(parsed.data, ctx);
  } catch (e) {
    if (e instanceof ToolError) return { output: e.message, isError: true };
    const err = e as NodeJS.ErrnoException;
    return {
      output: `${tool.name} failed: ${err?.message ?? String(e)}`,
      isError: true,
      meta: { exception: err?.name ?? 'Error' },
    };
  }
}

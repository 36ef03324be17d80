// Tool calls that a model wrote as text in `content` instead of the native `tool_calls`
// field (common with local models and servers without a tool parser). Pure functions: the
// OpenAI-compatible client and the local provider both use them.
import type { ToolCall, ToolSchema } from '../messages.js';
import { parseToolCallBody } from './tool-call-body.js';

export interface TextToolCallOptions {
  /** Prefix of generated call ids; calls get `${idPrefix}0`, `${idPrefix}1`, ... @default 'call_' */
  idPrefix?: string;
  /**
   * Tool schemas of the request. Used only to type `<parameter=KEY>value</parameter>`
   * values (a number-typed parameter becomes a JSON number); without them values stay strings.
   * @default []
   */
  tools?: ToolSchema[];
}

export interface ParsedToolCalls {
  /** The content with every recognized call removed; null when nothing else was said. */
  content: string | null;
  toolCalls: ToolCall[];
}

/** A call found in the text, before ids are assigned. */
export interface RawCall {
  name: string;
  /** JSON text of the arguments, or the raw text when it was not valid JSON. */
  arguments: string;
}

interface Span {
  start: number;
  end: number;
  calls: RawCall[];
}

// A closing tag may be missing when generation stopped at a stop token: a call then runs
// to the next opening tag or to the end of the text.
const TOOL_CALL_TAG = /<tool_call>([\s\S]*?)(?:<\/tool_call>|(?=<tool_call>)|$)/g;
const FUNCTION_TAG = /<function=[^>\s]+>[\s\S]*?(?:<\/function>|(?=<function=)|$)/g;
const FENCE = /```(json|tool_call)[ \t]*\r?\n([\s\S]*?)```/g;
// Reasoning models (Qwen3, DeepSeek-R1 style) may spell out a call while thinking it over;
// only what they write after thinking is acted on.
const THINK = /<think>[\s\S]*?(?:<\/think>|$)/g;

/** Finds the tool calls written as text in `content`, in order, and strips them from it. */
export function parseTextToolCalls(
  content: string,
  options: TextToolCallOptions = {},
): ParsedToolCalls {
  const { idPrefix = 'call_', tools = [] } = options;
  const spans: Span[] = [];
  const thinking = [...content.matchAll(THINK)].map((m) => ({
    start: m.index,
    end: m.index + m[0].length,
  }));
  const free = (start: number, end: number) =>
    [...thinking, ...spans].every((s) => end <= s.start || start >= s.end);

  for (const m of content.matchAll(TOOL_CALL_TAG)) {
    const end = m.index + m[0].length;
    if (free(m.index, end)) {
      spans.push({ start: m.index, end, calls: parseToolCallBody(m[1], tools, true) });
    }
  }
  for (const m of content.matchAll(FUNCTION_TAG)) {
    if (free(m.index, m.index + m[0].length)) {
      spans.push({
        start: m.index,
        end: m.index + m[0].length,
        calls: parseToolCallBody(m[0], tools, true),
      });
    }
  }
  for (const m of content.matchAll(FENCE)) {
    const end = m.index + m[0].length;
    if (!free(m.index, end)) continue;
    // A ```json block is often just code the model is showing: only a call-shaped object counts.
    const calls = parseToolCallBody(m[2], tools, m[1] === 'tool_call');
    if (calls.length > 0) spans.push({ start: m.index, end, calls });
  }
  if (spans.length === 0) return { content, toolCalls: [] };

  spans.sort((a, b) => a.start - b.start);
  const toolCalls: ToolCall[] = [];
  let rest = '';
  let at = 0;
  for (const span of spans) {
    rest += content.slice(at, span.start);
    at = span.end;
    for (const call of span.calls) {
      toolCalls.push({ id: `${idPrefix}${toolCalls.length}`, type: 'function', function: call });
    }
  }
  rest = (rest + content.slice(at)).replace(/\n{3,}/g, '\n\n').trim();
  return { content: rest === '' ? null : rest, toolCalls };
}

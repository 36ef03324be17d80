// The one chat template: harness messages + tool schemas -> token ids and a loss mask.
//
//   <|bos|> [<|tools|>{signature}\n{signature}\n<|end|>] <|system|>text<|end|> <|user|>text<|end|>
//   <|assistant|>text<|tool_call|>{"name":"x","arguments":{..}}<|tool_call|>{..}<|end|>
//   <|tool|>result<|end|> ... <|assistant|>            (a prompt ends with the header)
//
// Every segment is encoded on its own and special tokens are inserted as ids, so a
// conversation's tokens are always a prefix of any continuation's (no merge crosses a
// message boundary, and no message's rendering depends on a later one).
import type { AssistantMessage, Message, ToolCall, ToolSchema } from '../messages.js';
import { repairJson } from './json-repair.js';
import type { Tokenizer } from './tokenizer.js';

/** Ids and loss mask of a rendered conversation (mask 1 exactly on assistant-written tokens). */
export interface RenderedChat {
  ids: number[];
  mask: number[];
}

/** A tool call as found in generated text, before it gets an id. */
export interface ParsedCall {
  name: string;
  /** JSON text of the arguments (raw text when it was not JSON). */
  arguments: string;
}

export interface RenderOptions {
  /**
   * Exact ids sampled for an assistant message (its body after the header, end token
   * included), so a generated turn is never re-tokenized. Return undefined to encode the text.
   * @default undefined
   */
  assistantIds?: (message: AssistantMessage, index: number) => readonly number[] | undefined;
}

export interface ParseOptions {
  /** Call ids are `${idPrefix}${i}`. @default 'call_' */
  idPrefix?: string;
  /** Parses one call body; the default reads `{"name":..,"arguments":..}` JSON. */
  parseBody?: (body: string) => ParsedCall[];
}

const TOOL_CALL = '<|tool_call|>';
const END = '<|end|>';

/** Renders messages with one tokenizer; the object the trainer and the local provider share. */
export class ChatTemplate {
  readonly bos: number;
  readonly end: number;
  readonly eos: number;
  readonly toolCall: number;
  private readonly header: Record<Message['role'], number>;
  private readonly toolsId: number;

  constructor(readonly tokenizer: Tokenizer) {
    const s = (n: string) => tokenizer.specialId(n);
    this.bos = s('<|bos|>');
    this.end = s(END);
    this.eos = s('<|eos|>');
    this.toolCall = s(TOOL_CALL);
    this.toolsId = s('<|tools|>');
    this.header = {
      system: s('<|system|>'),
      user: s('<|user|>'),
      assistant: s('<|assistant|>'),
      tool: s('<|tool|>'),
    };
  }

  /** Token ids that end an assistant turn (generation stops on any of them). */
  get stopIds(): number[] {
    return [this.end, this.eos];
  }

  /** Renders a whole conversation with its loss mask. */
  renderChat(
    messages: readonly Message[],
    tools: readonly ToolSchema[] = [],
    opts: RenderOptions = {},
  ): RenderedChat {
    const ids: number[] = [this.bos];
    const mask: number[] = [0];
    const add = (xs: readonly number[], m: 0 | 1) => {
      for (const x of xs) {
        ids.push(x);
        mask.push(m);
      }
    };
    if (tools.length > 0)
      add([this.toolsId, ...this.tokenizer.encode(renderTools(tools)), this.end], 0);
    messages.forEach((msg, i) => {
      add([this.header[msg.role]], 0);
      if (msg.role === 'assistant') add(opts.assistantIds?.(msg, i) ?? this.assistantBody(msg), 1);
      else {
        const content = (msg as { content: unknown }).content;
        if (typeof content !== 'string')
          throw new Error(`renderChat: message ${i} (${msg.role}) has no string content`);
        add([...this.tokenizer.encode(content), this.end], 0);
      }
    });
    return { ids, mask };
  }

  /** Prompt ids for the next assistant turn: the conversation followed by the assistant header. */
  renderPrompt(
    messages: readonly Message[],
    tools: readonly ToolSchema[] = [],
    opts: RenderOptions = {},
  ): number[] {
    const { ids } = this.renderChat(messages, tools, opts);
    ids.push(this.header.assistant);
    return ids;
  }

  /** Ids of an assistant message after its header: text, tool calls, end token. */
  assistantBody(msg: AssistantMessage): number[] {
    const out = msg.content ? this.tokenizer.encode(msg.content) : [];
    for (const call of msg.tool_calls ?? [])
      out.push(this.toolCall, ...this.tokenizer.encode(callText(call)));
    out.push(this.end);
    return out;
  }

  /**
   * Parses generated ids (stop token optional) into an assistant message. Splitting happens on
   * the special ids, so text that merely spells "<|tool_call|>" never starts a call. Ids past
   * the tokenizer (padding rows of a larger embedding, sampled by an untrained model) read as nothing.
   */
  parseCompletion(ids: readonly number[], opts: ParseOptions = {}): AssistantMessage {
    const segments: number[][] = [[]];
    for (const id of ids) {
      if (id === this.end || id === this.eos) break;
      if (id >= this.tokenizer.vocabSize) continue;
      if (id === this.toolCall) segments.push([]);
      else segments[segments.length - 1].push(id);
    }
    const [head, ...bodies] = segments.map((s) => this.tokenizer.decode(s));
    return buildAssistant(head, bodies, opts);
  }
}

/**
 * The tools block: one signature per line, `name(arg: type, opt?: type) description`, in
 * request order. A small model's context is short and this block opens every prompt, so it
 * carries what a call needs (names, argument names, which are optional, their types) in
 * about a third of the tokens of the JSON schemas; the harness still validates each call
 * against the full schema and says what is wrong.
 */
export function renderTools(tools: readonly ToolSchema[]): string {
  return tools.map((t) => `${toolSignature(t)}\n`).join('');
}

/** `name(a: string, b?: integer) description` of one tool. */
export function toolSignature(t: ToolSchema): string {
  const p = t.function.parameters as {
    properties?: Record<string, { type?: unknown }>;
    required?: string[];
  };
  const req = new Set(p.required ?? []);
  const args = Object.entries(p.properties ?? {}).map(
    ([k, v]) => `${k}${req.has(k) ? '' : '?'}: ${typeof v.type === 'string' ? v.type : 'any'}`,
  );
  return `${t.function.name}(${args.join(', ')}) ${t.function.description}`;
}

/** Text of one call as the model writes it; the arguments are kept byte for byte. */
export function callText(call: ToolCall): string {
  const args = call.function.arguments.trim() === '' ? '{}' : call.function.arguments;
  return `{"name":${JSON.stringify(call.function.name)},"arguments":${args}}`;
}

/** Parses the text of an assistant turn (as decoded, specials as text) back into a message. */
export function parseAssistant(text: string, opts: ParseOptions = {}): AssistantMessage {
  const endAt = text.indexOf(END);
  const [head, ...bodies] = (endAt >= 0 ? text.slice(0, endAt) : text).split(TOOL_CALL);
  return buildAssistant(head, bodies, opts);
}

function buildAssistant(head: string, bodies: string[], opts: ParseOptions): AssistantMessage {
  const { idPrefix = 'call_', parseBody = parseCallJson } = opts;
  let content = head;
  const calls: ParsedCall[] = [];
  for (const body of bodies) {
    const parsed = parseBody(body);
    if (parsed.length > 0) calls.push(...parsed);
    else content += body; // nothing call-shaped: keep the text rather than lose it
  }
  const msg: AssistantMessage = { role: 'assistant', content: content.length > 0 ? content : null };
  if (calls.length > 0) {
    msg.tool_calls = calls.map((c, i) => ({
      id: `${idPrefix}${i}`,
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
    }));
  }
  return msg;
}

/**
 * Reads `{"name":..,"arguments":..}`. A body that is not valid JSON but names a tool still
 * gives a call, with the raw text as arguments, so the loop can tell the model what is wrong.
 */
export function parseCallJson(body: string): ParsedCall[] {
  const raw = body.trim();
  // A call cut before its closing braces (or followed by extra ones) is read as meant.
  const text = (() => {
    try {
      JSON.parse(raw);
      return raw;
    } catch {
      return repairJson(raw) ?? raw;
    }
  })();
  try {
    const v = JSON.parse(text) as { name?: unknown; arguments?: unknown };
    if (v && typeof v === 'object' && typeof v.name === 'string') {
      const a = v.arguments ?? {};
      return [{ name: v.name, arguments: typeof a === 'string' ? a : JSON.stringify(a) }];
    }
    return [];
  } catch {
    const name = /"name"\s*:\s*"([^"\\]+)"/.exec(text)?.[1];
    if (!name) return [];
    const at = /"arguments"\s*:\s*/.exec(text);
    const raw = at ? text.slice(at.index + at[0].length).replace(/\}\s*$/, '') : text;
    return [{ name, arguments: raw }];
  }
}

/** Convenience: renderChat with a one-off template. */
export function renderChat(
  tokenizer: Tokenizer,
  messages: readonly Message[],
  tools: readonly ToolSchema[] = [],
): RenderedChat {
  return new ChatTemplate(tokenizer).renderChat(messages, tools);
}

/** Convenience: renderPrompt with a one-off template. */
export function renderPrompt(
  tokenizer: Tokenizer,
  messages: readonly Message[],
  tools: readonly ToolSchema[] = [],
): number[] {
  return new ChatTemplate(tokenizer).renderPrompt(messages, tools);
}

/** Token ids that end an assistant turn for this tokenizer (<|end|>, <|eos|>). */
export function stopIds(tokenizer: Tokenizer): number[] {
  return new ChatTemplate(tokenizer).stopIds;
}

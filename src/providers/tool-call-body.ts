// The inside of one text tool call: JSON (`{"name": .., "arguments": {..}}`, a list of
// those, the `{"type":"function","function":{..}}` wrapping) or the XML-ish function form
// (`<function=NAME>{json}</function>`, `<function=NAME><parameter=K>v</parameter></function>`).
import type { ToolSchema } from '../messages.js';
import type { RawCall } from './text-tool-calls.js';

const FUNCTION = /<function=([^>\s]+)>([\s\S]*?)(?:<\/function>|(?=<function=)|$)/g;
const PARAMETER = /<parameter=([^>\s]+)>([\s\S]*?)(?:<\/parameter>|(?=<parameter=)|$)/g;

/**
 * Parses one tool-call body into calls. When `forced` (the text sat in a tool-call tag),
 * a body that cannot be parsed still gives a call carrying the raw text as its arguments,
 * so the loop can tell the model what was malformed; otherwise it gives no call.
 * Fits the `parseBody` hook of the chat template in src/lm (defaults: no schemas, forced).
 */
export function parseToolCallBody(
  body: string,
  tools: ToolSchema[] = [],
  forced = true,
): RawCall[] {
  const text = body.trim();
  if (text.startsWith('<function=')) return parseFunctionForms(text, tools);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return forced ? [salvage(text)] : [];
  }
  const items = Array.isArray(value) ? value : [value];
  const calls = items.map(callFromJson);
  if (calls.every((c): c is RawCall => c !== null) && calls.length > 0) return calls;
  return forced ? [salvage(text)] : [];
}

function callFromJson(value: unknown): RawCall | null {
  if (!isObject(value)) return null;
  const inner = isObject(value.function) ? value.function : value;
  if (typeof inner.name !== 'string') return null;
  const args = 'arguments' in inner ? inner.arguments : inner.parameters;
  if (args === undefined) return null;
  // Some models double-encode: a string here already is the JSON text of the arguments.
  return { name: inner.name, arguments: typeof args === 'string' ? args : JSON.stringify(args) };
}

function parseFunctionForms(text: string, tools: ToolSchema[]): RawCall[] {
  const calls: RawCall[] = [];
  for (const m of text.matchAll(FUNCTION)) {
    const name = m[1];
    const inside = m[2].trim();
    if (inside.includes('<parameter=')) {
      calls.push({
        name,
        arguments: JSON.stringify(parameters(inside, propertyTypes(tools, name))),
      });
    } else if (inside === '') {
      calls.push({ name, arguments: '{}' });
    } else {
      calls.push({ name, arguments: reserialize(inside) });
    }
  }
  return calls;
}

function parameters(inside: string, types: Map<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of inside.matchAll(PARAMETER)) {
    // The Qwen3-coder style puts the value on its own lines: one newline each side is markup.
    const raw = m[2].replace(/^\r?\n/, '').replace(/\r?\n$/, '');
    const type = types.get(m[1]);
    out[m[1]] = type === undefined || type === 'string' ? raw : parseOr(raw);
  }
  return out;
}

function propertyTypes(tools: ToolSchema[], name: string): Map<string, string> {
  const types = new Map<string, string>();
  const schema = tools.find((t) => t.function.name === name)?.function.parameters;
  const props = schema && isObject(schema.properties) ? schema.properties : {};
  for (const [key, prop] of Object.entries(props)) {
    if (isObject(prop) && typeof prop.type === 'string') types.set(key, prop.type);
  }
  return types;
}

/** Best effort on a broken JSON call: keep the name when readable and the raw argument text. */
function salvage(text: string): RawCall {
  const name = /"name"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(text);
  const key = /"(?:arguments|parameters)"\s*:\s*/.exec(text);
  if (!name) return { name: '', arguments: text };
  if (!key) return { name: jsonUnescape(name[1]), arguments: text };
  let rest = text.slice(key.index + key[0].length).trim();
  const object = balancedObject(rest);
  if (object !== null) return { name: jsonUnescape(name[1]), arguments: reserialize(object) };
  // The outer object's closing brace is not part of the arguments.
  if (count(rest, '}') > count(rest, '{')) rest = rest.replace(/\}\s*$/, '');
  return { name: jsonUnescape(name[1]), arguments: rest };
}

/** The first balanced `{...}` at the start of `text` (string-aware), or null. */
function balancedObject(text: string): string | null {
  if (!text.startsWith('{')) return null;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return text.slice(0, i + 1);
  }
  return null;
}

function reserialize(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text;
  }
}

function parseOr(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function jsonUnescape(s: string): string {
  return parseOr(`"${s}"`) as string;
}

function count(s: string, ch: string): number {
  return s.split(ch).length - 1;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

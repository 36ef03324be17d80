// Strict tool calls for the embedded model: a byte-level acceptor of the one call syntax,
//
//   free text  <|tool_call|>  {"name":"<tool>","arguments":{"<arg>":<value>,...}}  <|end|>
//
// with tool and argument names from the request's schemas, values of the argument's JSON type,
// required arguments before the closing brace, one call per turn, and `copy` arguments
// (edit's old_string) whose text must occur in what the model was shown. The sampler asks it
// of each candidate token and resamples without the ones it refuses (generate.ts): a small
// model's near-miss (a misspelt key, a missing brace, an old_string one character off) becomes
// the nearest call it meant, the way hosted APIs' strict function calling constrains theirs.
// Logprobs stay the model's own, unconstrained (see dev/LOG.md "strict calls").
//
// The grammar is plain data (it crosses to the generation worker); bytes are latin1 strings.
// Over 400 lines: the acceptor is one state machine, best read in one piece.
import type { Message, ToolSchema } from '../messages.js';

/** One argument of a tool, as the grammar needs it. */
export interface GrammarArg {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'any';
  required: boolean;
  /** The value (a string) must be a substring of one of the grammar's sources. */
  copy?: boolean;
  /**
   * The value (a string) must differ from this other argument's: edit refuses an old_string
   * equal to new_string, so such a call is a turn spent for nothing (small models' commonest
   * failed edit: the copied line unchanged).
   */
  differ?: string;
}

/** What a strict reply may contain. */
export interface CallGrammar {
  tools: { name: string; args: GrammarArg[] }[];
  /** Texts (UTF-8 bytes as latin1) a copy argument's value must occur in. */
  sources: string[];
  /** Special ids: the call opener, and the end-of-turn tokens. */
  toolCall: number;
  stops: number[];
  /** A reply must make a call: end-of-turn before one is refused. @default true */
  requireCall?: boolean;
  /**
   * Tokens of text before the call; then only the call may start (a small model's preamble
   * can ramble on; the teacher's are a sentence). Under the local model's 64-token loop stop, so a
   * looping preamble turns into the call instead of ending the reply. @default 48
   */
  maxHead?: number;
}

type Phase =
  | 'head'
  | 'lit'
  | 'name'
  | 'argsOpen'
  | 'keyOpen'
  | 'key'
  | 'colon'
  | 'value'
  | 'str'
  | 'num'
  | 'bool'
  | 'any'
  | 'after'
  | 'done';

/** Acceptor state; small and copied on every candidate token. */
interface State {
  phase: Phase;
  /** Literal still to match ('lit'), then `next`. */
  lit: string;
  next: Phase;
  /** Bytes of the name / key / bool literal so far. */
  buf: string;
  tool: number;
  used: string[];
  arg: GrammarArg | null;
  /** Inside a string: after a backslash, or hex digits of \u still to read. */
  esc: number;
  hex: string;
  /** Decoded bytes of a copy or differ value so far. */
  val: string;
  /** Finished values of copy/differ arguments, by name. */
  fin: Readonly<Record<string, string>>;
  /** 'any' values: nesting depth and whether inside a string. */
  depth: number;
  inStr: boolean;
  /** Tokens of text before the call so far. */
  head: number;
}

const HEX = /^[0-9a-fA-F]$/;
const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

export class CallAcceptor {
  private s: State;
  private readonly stops: Set<number>;
  /** Set when the grammar has no token left (pickAllowed): the rest of the reply is free. */
  off = false;

  constructor(
    private readonly g: CallGrammar,
    /** Bytes (latin1) of each non-special token id; undefined for specials and padding. */
    private readonly pieces: readonly (string | undefined)[],
  ) {
    this.stops = new Set(g.stops);
    this.s = {
      phase: 'head',
      lit: '',
      next: 'head',
      buf: '',
      tool: -1,
      used: [],
      arg: null,
      esc: 0,
      hex: '',
      val: '',
      fin: {},
      depth: 0,
      inStr: false,
      head: 0,
    };
  }

  /** True when the reply is one complete call and only end-of-turn may follow. */
  get complete(): boolean {
    return this.s.phase === 'done';
  }

  /** Would `id` be allowed next? (The state does not move.) */
  allows(id: number): boolean {
    return this.step(id) !== null;
  }

  /** Takes `id`; returns false (and stays put) when the grammar refuses it. */
  accept(id: number): boolean {
    const next = this.step(id);
    if (!next) return false;
    this.s = next;
    return true;
  }

  private step(id: number): State | null {
    const s = this.s;
    if (this.stops.has(id))
      return s.phase === 'done' || (s.phase === 'head' && this.g.requireCall === false) ? s : null;
    if (id === this.g.toolCall) {
      if (s.phase !== 'head') return null;
      return { ...s, phase: 'lit', lit: '{"name":"', next: 'name', buf: '' };
    }
    const piece = this.pieces[id];
    if (piece === undefined || piece.length === 0) return null;
    if (s.phase === 'head')
      return s.head < (this.g.maxHead ?? 48) ? { ...s, head: s.head + 1 } : null;
    const t: State = { ...s };
    for (let i = 0; i < piece.length; i++) if (!this.byte(t, piece[i])) return null;
    if (t.arg?.copy && t.val !== s.val && !this.g.sources.some((src) => src.includes(t.val)))
      return null;
    return t;
  }

  /** Moves `t` by one byte; false when the byte is not allowed there. */
  private byte(t: State, c: string): boolean {
    switch (t.phase) {
      case 'lit':
        if (c !== t.lit[0]) return false;
        t.lit = t.lit.slice(1);
        if (t.lit === '') t.phase = t.next;
        return true;
      case 'name': {
        if (c === '"') {
          const k = this.g.tools.findIndex((x) => x.name === t.buf);
          if (k < 0) return false;
          Object.assign(t, {
            tool: k,
            used: [],
            phase: 'lit',
            lit: ',"arguments":{',
            next: 'argsOpen',
          });
          return true;
        }
        const b = t.buf + c;
        if (!this.g.tools.some((x) => x.name.startsWith(b))) return false;
        t.buf = b;
        return true;
      }
      case 'argsOpen':
        if (c === '}') return this.close(t);
        if (c !== '"' || this.unused(t).length === 0) return false;
        Object.assign(t, { phase: 'key', buf: '' });
        return true;
      case 'keyOpen':
        if (c !== '"') return false;
        Object.assign(t, { phase: 'key', buf: '' });
        return true;
      case 'key': {
        const open = this.unused(t);
        if (c === '"') {
          const a = open.find((x) => x.name === t.buf);
          if (!a) return false;
          Object.assign(t, { arg: a, used: [...t.used, a.name], phase: 'colon' });
          return true;
        }
        const b = t.buf + c;
        if (!open.some((x) => x.name.startsWith(b))) return false;
        t.buf = b;
        return true;
      }
      case 'colon':
        if (c !== ':') return false;
        t.phase = 'value';
        return true;
      case 'value':
        return this.valueStart(t, c);
      case 'str':
        return this.strByte(t, c);
      case 'num':
        if (/[0-9]/.test(c) || (t.arg?.type === 'number' && /[.eE+-]/.test(c))) {
          t.buf += c;
          return true;
        }
        if (!/[0-9]/.test(t.buf)) return false;
        t.phase = 'after';
        return this.byte(t, c);
      case 'bool': {
        const b = t.buf + c;
        if (!('true'.startsWith(b) || 'false'.startsWith(b))) return false;
        t.buf = b;
        if (b === 'true' || b === 'false') t.phase = 'after';
        return true;
      }
      case 'any':
        return this.anyByte(t, c);
      case 'after':
        if (c === ',') {
          if (this.unused(t).length === 0) return false;
          Object.assign(t, { phase: 'keyOpen', arg: null });
          return true;
        }
        if (c === '}') return this.close(t);
        return false;
      default:
        return false; // head is handled per token; done takes no bytes
    }
  }

  private unused(t: State): GrammarArg[] {
    return this.g.tools[t.tool].args.filter((a) => !t.used.includes(a.name));
  }

  /** The arguments object closes: every required argument must be there. */
  private close(t: State): boolean {
    const missing = this.g.tools[t.tool].args.some((a) => a.required && !t.used.includes(a.name));
    if (missing) return false;
    Object.assign(t, { phase: 'lit', lit: '}', next: 'done', arg: null });
    return true;
  }

  private valueStart(t: State, c: string): boolean {
    const type = t.arg?.type ?? 'any';
    if (type === 'string') {
      if (c !== '"') return false;
      Object.assign(t, { phase: 'str', esc: 0, hex: '', val: '' });
      return true;
    }
    if (type === 'integer' || type === 'number') {
      if (!/[-0-9]/.test(c)) return false;
      Object.assign(t, { phase: 'num', buf: c });
      return true;
    }
    if (type === 'boolean') {
      Object.assign(t, { phase: 'bool', buf: '' });
      return this.byte(t, c);
    }
    Object.assign(t, { phase: 'any', depth: 0, inStr: false, esc: 0 });
    return this.anyByte(t, c);
  }

  /** A byte of a JSON string value; copy and differ values keep their decoded bytes. */
  private strByte(t: State, c: string): boolean {
    const copy = t.arg?.copy === true;
    const keep = copy || t.arg?.differ !== undefined;
    if (t.esc === 2) {
      if (!HEX.test(c)) return false;
      t.hex += c;
      if (t.hex.length < 4) return true;
      const cp = Number.parseInt(t.hex, 16);
      // A surrogate half cannot be matched byte by byte against the sources.
      if (copy && cp >= 0xd800 && cp <= 0xdfff) return false;
      t.esc = 0;
      if (keep) t.val += Buffer.from(String.fromCharCode(cp), 'utf8').toString('latin1');
      return true;
    }
    if (t.esc === 1) {
      // \u in a copy value could only be matched after its fourth digit: a dead end to avoid.
      if (c === 'u' && !copy) {
        Object.assign(t, { esc: 2, hex: '' });
        return true;
      }
      const v = ESCAPES[c];
      if (v === undefined) return false;
      t.esc = 0;
      if (keep) t.val += v;
      return true;
    }
    if (c === '\\') {
      // In a copy value, only when some escape then continues text that was shown.
      if (
        copy &&
        !Object.values(ESCAPES).some((e) => this.g.sources.some((x) => x.includes(t.val + e)))
      )
        return false;
      t.esc = 1;
      return true;
    }
    if (c === '"') {
      if (copy && t.val === '') return false;
      const other = t.arg?.differ;
      if (other !== undefined && t.fin[other] === t.val) return false;
      if (keep && t.arg) t.fin = { ...t.fin, [t.arg.name]: t.val };
      Object.assign(t, { phase: 'after', arg: copy ? t.arg : null });
      return true;
    }
    if (c.charCodeAt(0) < 0x20) return false;
    if (keep) t.val += c;
    return true;
  }

  /** A byte of a value of any JSON type (arrays, objects): brackets balanced, strings skipped. */
  private anyByte(t: State, c: string): boolean {
    if (t.inStr) {
      if (t.esc) t.esc = 0;
      else if (c === '\\') t.esc = 1;
      else if (c === '"') t.inStr = false;
      else if (c.charCodeAt(0) < 0x20) return false;
      return true;
    }
    if (t.depth === 0 && (c === ',' || c === '}')) {
      t.phase = 'after';
      return this.byte(t, c);
    }
    if (c === '"') t.inStr = true;
    else if (c === '{' || c === '[') t.depth++;
    else if (c === '}' || c === ']') {
      if (t.depth === 0) return false;
      t.depth--;
    } else if (!/[-0-9.eE+a-z]/.test(c)) return false;
    return true;
  }
}

/** latin1 text of each ordinary token's bytes (what the acceptor reads); specials have none. */
export function tokenPieces(tok: {
  nOrdinary: number;
  tokenBytes(id: number): Uint8Array;
}): string[] {
  const out: string[] = [];
  for (let id = 0; id < tok.nOrdinary; id++)
    out.push(Buffer.from(tok.tokenBytes(id)).toString('latin1'));
  return out;
}

/** Arguments whose value must be text the model was shown: edit's old_string must occur in the file. */
export const COPY_ARGS: Readonly<Record<string, readonly string[]>> = { edit: ['old_string'] };

/** Pairs of string arguments whose values must differ: edit's old and new text. */
export const DIFFER_ARGS: Readonly<Record<string, readonly (readonly [string, string])[]>> = {
  edit: [['old_string', 'new_string']],
};

/**
 * The grammar of a request: its tools' names and arguments, and as sources the user's and
 * the tools' messages (a read result's `N<TAB>` line numbers taken off, since old_string is
 * file text, not the numbered view).
 */
export function grammarFor(
  tools: readonly ToolSchema[],
  messages: readonly Message[],
  special: { toolCall: number; stops: number[] },
  copyArgs: Readonly<Record<string, readonly string[]>> = COPY_ARGS,
  differArgs: Readonly<Record<string, readonly (readonly [string, string])[]>> = DIFFER_ARGS,
): CallGrammar {
  const types = new Set(['string', 'integer', 'number', 'boolean']);
  const sources: string[] = [];
  for (const m of messages) {
    if (m.role !== 'user' && m.role !== 'tool') continue;
    const text = typeof m.content === 'string' ? m.content : '';
    sources.push(Buffer.from(text.replace(/^ *\d+\t/gm, ''), 'utf8').toString('latin1'));
  }
  return {
    tools: tools.map((t) => {
      const p = t.function.parameters as {
        properties?: Record<string, { type?: unknown }>;
        required?: string[];
      };
      const req = new Set(p.required ?? []);
      const isString = (n: string) => p.properties?.[n]?.type === 'string';
      const differ = new Map<string, string>();
      for (const [a, b] of differArgs[t.function.name] ?? [])
        if (isString(a) && isString(b)) differ.set(a, b).set(b, a);
      // With nothing shown, a copy value would have no text to take: the argument is free.
      const copy = new Set(
        sources.some((x) => x.length > 0) ? (copyArgs[t.function.name] ?? []) : [],
      );
      return {
        name: t.function.name,
        args: Object.entries(p.properties ?? {}).map(([name, v]) => ({
          name,
          type: (typeof v.type === 'string' && types.has(v.type)
            ? v.type
            : 'any') as GrammarArg['type'],
          required: req.has(name),
          ...(copy.has(name) && v.type === 'string' ? { copy: true } : {}),
          ...(differ.has(name) ? { differ: differ.get(name) } : {}),
        })),
      };
    }),
    sources,
    toolCall: special.toolCall,
    stops: special.stops,
  };
}

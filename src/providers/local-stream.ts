// Streaming for the embedded model: token ids as the generation worker samples them become
// the same pieces an OpenAI-compatible stream gives (text; a tool call's id and name once,
// its arguments), so every consumer (terminal, ACP, --json) treats both alike. Text is
// decoded from the ids of the reply so far and only what can no longer change is sent: an
// unfinished UTF-8 character, trailing white space, or the start of a tool call written as
// text (which the final parse takes out of the content), waits. When the reply is complete, `finish` sends what
// is left so that the pieces add up to the returned message exactly; in the rare case that
// the final parse changed text already sent, it sends a restart and the whole reply again.
import type { ParsedCall } from '../lm/template.js';
import type { AssistantMessage } from '../messages.js';
import type { ModelDelta } from './model.js';

/** What the reply reader needs of the chat template. */
export interface ReplyTokens {
  readonly toolCall: number;
  readonly stopIds: number[];
  readonly tokenizer: {
    readonly vocabSize: number;
    decode(ids: readonly number[]): string;
    tokenBytes(id: number): Uint8Array;
  };
}

// Openers of the text syntaxes text-tool-calls.ts strips from the content.
const OPENERS = ['<tool_call>', '<function=', '```json', '```tool_call'];
// A call body whose name is complete: `{"name":"bash"` (then a comma or the arguments).
const NAME = /^\s*\{\s*"name"\s*:\s*"([^"\\]+)"\s*[,}]/;

/** Where text that is safe to show ends: before a held-back opener or trailing space. */
export function settledLength(text: string): number {
  let end = text.length;
  for (const o of OPENERS) {
    const at = text.indexOf(o);
    if (at >= 0 && at < end) end = at;
    // The text may end in the first characters of an opener.
    for (let k = Math.min(o.length - 1, text.length); k > 0; k--)
      if (text.endsWith(o.slice(0, k))) {
        end = Math.min(end, text.length - k);
        break;
      }
  }
  // Trailing white space waits too: the parse that strips text tool calls trims the content.
  while (end > 0 && /\s/.test(text[end - 1])) end--;
  return end;
}

// Bodies whose name has not shown by this many tokens are not looked at again until they end.
const NAME_WITHIN = 48;

/**
 * Turns sampled ids into ModelDeltas for one reply. Each id costs the bytes of its token
 * and a look at the text not yet sent (a reply's ids arrive faster than the event loop
 * could afford re-decoding the reply each time).
 */
export class ReplyStream {
  // The head (text before the first call) decoded as it comes; an unfinished UTF-8
  // character stays inside the decoder until its last byte.
  private readonly decoder = new TextDecoder();
  private tail = '';
  /** The tail holds a text tool call's opener: nothing more is sent until `finish`. */
  private held = false;
  private body: number[] | null = null;
  private stopped = false;
  private sentText = '';
  /** Tool calls complete so far (bodies that parsed as calls), and names sent by index. */
  private calls = 0;
  private readonly named = new Map<number, string>();

  constructor(
    private readonly t: ReplyTokens,
    private readonly emit: (d: ModelDelta) => void,
    private readonly parseBody: (body: string) => ParsedCall[],
    private readonly idPrefix: string,
  ) {}

  /** One sampled id. */
  push(id: number): void {
    if (this.stopped) return;
    if (this.t.stopIds.includes(id)) {
      this.stopped = true;
      return;
    }
    if (id >= this.t.tokenizer.vocabSize) return; // read as nothing, as parseCompletion does
    if (id === this.t.toolCall) {
      this.held = true; // the head is over; the rest of it comes with `finish`
      this.closeBody();
      this.body = [];
      return;
    }
    if (this.body) {
      this.body.push(id);
      const at = this.calls;
      if (this.named.has(at) || this.body.length > NAME_WITHIN) return;
      const name = NAME.exec(this.t.tokenizer.decode(this.body))?.[1];
      if (name) {
        this.named.set(at, name);
        this.emit({ toolCall: { index: at, id: `${this.idPrefix}${at}`, name } });
      }
      return;
    }
    if (this.held) return;
    this.tail += this.decoder.decode(this.t.tokenizer.tokenBytes(id), { stream: true });
    this.held = OPENERS.some((o) => this.tail.includes(o));
    const end = settledLength(this.tail);
    if (end > 0) {
      const piece = this.tail.slice(0, end);
      this.tail = this.tail.slice(end);
      this.sentText += piece;
      this.emit({ text: piece });
    }
  }

  private closeBody(): void {
    if (this.body) this.calls += this.parseBody(this.t.tokenizer.decode(this.body)).length;
    this.body = null;
  }

  /** Sends what the pieces so far lack of `message` (the reply as parsed from all its ids). */
  finish(message: AssistantMessage): void {
    const content = message.content ?? '';
    const calls = message.tool_calls ?? [];
    const consistent =
      content.startsWith(this.sentText) &&
      [...this.named].every(
        ([i, name]) => calls[i]?.function.name === name && calls[i]?.id === `${this.idPrefix}${i}`,
      );
    if (!consistent) {
      this.emit({ restart: 'the reply was re-read (tool calls written as text)' });
      this.sentText = '';
      this.named.clear();
    }
    if (content.length > this.sentText.length)
      this.emit({ text: content.slice(this.sentText.length) });
    calls.forEach((c, index) => {
      const head = this.named.has(index) ? {} : { id: c.id, name: c.function.name };
      this.emit({ toolCall: { index, ...head, arguments: c.function.arguments } });
    });
  }
}

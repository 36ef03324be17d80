// Context management: before a prompt would overflow the model's window, shorten it — first
// by eliding old tool outputs (their full text stays on disk, and the model is told where),
// then by having the model itself summarise the earlier turns. Each step is recorded in the
// trajectory as a compaction (the old message list kept whole), so datasets start a new row.
import { join } from 'node:path';
import type { Message, ToolSchema } from '../messages.js';
import { estimateMessageTokens, estimateTokens } from '../providers/estimate.js';
import type { Model } from '../providers/model.js';
import { harnessDir } from '../sandbox/safe-fs.js';
import { shownPath } from './tools/paths.js';
import type { Compaction, Trajectory } from './trajectory.js';

export interface ContextOptions {
  /** Prompt + completion tokens the model attends to. */
  window: number;
  /** Tokens kept free for the reply. @default min(4096, window / 4) */
  reserve?: number;
  /** Assistant turns at the end whose tool outputs are never elided. @default 2 */
  keepRecent?: number;
}

/** Tool outputs shorter than this are left alone: eliding them saves nothing. */
const MIN_ELIDE_CHARS = 240;

export const SUMMARY_REQUEST =
  'The conversation is too long for the context window. Summarise the work so far for yourself: the task, what you found, what you changed (files), what remains. Be brief and concrete. Do not call tools.';

const reserveOf = (o: ContextOptions) => o.reserve ?? Math.min(4096, Math.floor(o.window / 4));

/**
 * Prompt tokens of the next call: the last call's exact count plus estimates of what was
 * appended since, when the server counted; otherwise an estimate of the whole prompt.
 */
export function promptTokens(t: Trajectory): number {
  const last = t.turns.at(-1);
  const since = t.compactions?.at(-1)?.afterTurn ?? 0;
  if (last && !last.usage.estimated && last.turn > since) {
    let n = last.usage.promptTokens + last.usage.completionTokens;
    for (const m of t.messages.slice(last.messageIndex + 1)) n += estimateMessageTokens(m);
    return n;
  }
  return estimateAll(t.messages, t.tools);
}

function estimateAll(messages: Message[], tools: ToolSchema[]): number {
  let n = tools.length ? estimateTokens(JSON.stringify(tools)) : 0;
  for (const m of messages) n += estimateMessageTokens(m);
  return n;
}

export type FitResult = 'fits' | 'compacted' | 'overflow';

/**
 * Makes the next prompt fit: elide, then summarise, each recorded in `t.compactions`.
 * `overflow` when nothing more can be taken out.
 */
export async function fitContext(
  t: Trajectory,
  model: Model,
  o: ContextOptions,
  spillDir: string,
  root: string,
  signal: AbortSignal,
  onCompaction: (c: Compaction) => void,
): Promise<FitResult> {
  const limit = o.window - reserveOf(o);
  const before = promptTokens(t);
  if (before <= limit) return 'fits';
  const elided = await elide(t.messages, o.keepRecent ?? 2, spillDir, root);
  if (elided) {
    record(t, 'elide', elided, before, onCompaction);
    if (promptTokens(t) <= limit) return 'compacted';
  }
  const c = await summarise(t, model, o, signal, onCompaction);
  if (!c) return 'overflow';
  return promptTokens(t) <= limit ? 'compacted' : 'overflow';
}

/**
 * Compacts now, whatever the size (the user asked): elide, then summarise. Returns the last
 * compaction made, or null when there was nothing to take out.
 */
export async function compactNow(
  t: Trajectory,
  model: Model,
  o: ContextOptions,
  spillDir: string,
  root: string,
  signal: AbortSignal,
  onCompaction: (c: Compaction) => void,
): Promise<Compaction | null> {
  const before = promptTokens(t);
  const elided = await elide(t.messages, o.keepRecent ?? 2, spillDir, root);
  const e = elided ? record(t, 'elide', elided, before, onCompaction) : null;
  return (await summarise(t, model, o, signal, onCompaction)) ?? e;
}

function record(
  t: Trajectory,
  kind: Compaction['kind'],
  previous: Message[],
  tokensBefore: number,
  onCompaction: (c: Compaction) => void,
  usage?: Compaction['usage'],
): Compaction {
  const c: Compaction = {
    afterTurn: t.turns.at(-1)?.turn ?? 0,
    kind,
    messages: previous,
    carried: t.messages.length,
    tokensBefore,
    tokensAfter: estimateAll(t.messages, t.tools),
    ...(usage ? { usage } : {}),
  };
  t.compactions = [...(t.compactions ?? []), c];
  onCompaction(c);
  return c;
}

/**
 * Replaces long tool outputs older than the last `keepRecent` assistant turns by a pointer
 * to a file holding them. Returns the message list as it was, or null when nothing changed.
 */
async function elide(
  messages: Message[],
  keepRecent: number,
  spillDir: string,
  root: string,
): Promise<Message[] | null> {
  const assistants = messages.flatMap((m, i) => (m.role === 'assistant' ? [i] : []));
  const keepFrom = assistants.length > keepRecent ? assistants[assistants.length - keepRecent] : 0;
  const targets = messages
    .slice(0, keepFrom)
    .flatMap((m, i) =>
      m.role === 'tool' && m.content.length >= MIN_ELIDE_CHARS && !isElided(m.content) ? [i] : [],
    );
  if (targets.length === 0) return null;
  const previous = structuredClone(messages);
  // The spill folder may be in the agent's workspace: written through a handle, no link followed.
  const dir = await harnessDir(root, spillDir);
  try {
    let n = (await dir.list()).filter((f) => f.startsWith('elided-')).length;
    for (const i of targets) {
      const m = messages[i] as Extract<Message, { role: 'tool' }>;
      const name = `elided-${++n}.txt`;
      await dir.writeFile(name, m.content);
      m.content = `[output elided to save context; ${m.content.length} chars in ${shownPath(root, join(spillDir, name))}]`;
    }
  } finally {
    dir.close();
  }
  return previous;
}

const isElided = (s: string) => s.startsWith('[output elided to save context;');

/**
 * Asks the model to summarise everything before the last exchange (what it is working on
 * now), then restarts the conversation as: system, task + summary, last exchange.
 */
async function summarise(
  t: Trajectory,
  model: Model,
  o: ContextOptions,
  signal: AbortSignal,
  onCompaction: (c: Compaction) => void,
): Promise<Compaction | null> {
  const m = t.messages;
  const before = promptTokens(t);
  const lastAssistant = m.findLastIndex((x) => x.role === 'assistant');
  let tailStart = lastAssistant > 1 ? lastAssistant : m.length;
  const limit = o.window - reserveOf(o);
  // The last exchange is kept only when it leaves room for the rest.
  if (estimateAll(m.slice(tailStart), []) > limit / 2) tailStart = m.length;
  const middle = m.slice(2, tailStart);
  if (middle.length === 0) return null;
  const [system, first] = m;
  // What the summary call reads must fit too: drop the oldest of the middle until it does.
  const ask: Message = { role: 'user', content: SUMMARY_REQUEST };
  let from = 0;
  const fixed = estimateAll([system, first, ask], []);
  while (from < middle.length && fixed + estimateAll(middle.slice(from), []) > limit) from++;
  // A tool message must follow its assistant message.
  while (from < middle.length && middle[from].role === 'tool') from++;
  const res = await model.complete({
    messages: [system, first, ...middle.slice(from), ask],
    tools: [],
    signal,
  });
  const summary = (res.message.content ?? '').trim();
  if (!summary) return null;
  const previous = structuredClone(m);
  // The task as first given (the first compaction kept it), not an earlier summary.
  const task = t.compactions?.[0]?.messages[1]?.content ?? first.content;
  const restarted: Message[] = [
    system,
    {
      role: 'user',
      content: `${task}\n\nSummary of the work so far (earlier turns were compacted):\n${summary}`,
    },
    ...m.slice(tailStart),
  ];
  t.messages.splice(0, t.messages.length, ...restarted);
  t.usage.promptTokens += res.usage.promptTokens;
  t.usage.completionTokens += res.usage.completionTokens;
  t.usage.totalTokens = t.usage.promptTokens + t.usage.completionTokens;
  t.usage.estimated ||= res.usage.estimated;
  return record(t, 'summary', previous, before, onCompaction, res.usage);
}

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runAgent } from '../harness/agent.js';
import type { AgentEvent } from '../harness/events.js';
import { GenerationWorker } from '../lm/generate-worker.js';
import { loadCheckpoint } from '../lm/model.js';
import { ChatTemplate, parseCallJson } from '../lm/template.js';
import { trainTokenizer } from '../lm/tokenizer.js';
import type { AssistantMessage } from '../messages.js';
import { createSandbox } from '../sandbox/index.js';
import { createLocalModel, localModelFrom } from './local.js';
import { ReplyStream, settledLength } from './local-stream.js';
import type { CompletionRequest, ModelDelta } from './model.js';
import { parseTextToolCalls } from './text-tool-calls.js';

const tok = trainTokenizer([readFileSync('src/harness/session.ts', 'utf8')], 700);
const template = new ChatTemplate(tok);

/** Streams `ids` through a ReplyStream; returns the deltas and the text each push had sent. */
function play(ids: number[], parsed: AssistantMessage) {
  const deltas: ModelDelta[] = [];
  const s = new ReplyStream(template, (d) => deltas.push(d), parseCallJson, 'call_0_');
  for (const id of ids) s.push(id);
  const beforeFinish = deltas.length;
  s.finish(parsed);
  return { deltas, beforeFinish };
}

const textOf = (ds: ModelDelta[]) => ds.map((d) => ('text' in d ? d.text : '')).join('');

test('settledLength holds back text tool-call openers and trailing space', () => {
  assert.equal(settledLength('hello'), 5);
  assert.equal(settledLength('hello \n'), 5);
  assert.equal(settledLength('run it <tool_call>{"name"'), 6);
  assert.equal(settledLength('run it <too'), 6);
  assert.equal(settledLength('see ``'), 3);
  assert.equal(settledLength('a < b'), 5);
  assert.equal(settledLength('x <'), 1);
});

test('text and native tool calls stream; the pieces add up to the parsed message exactly', () => {
  const msg: AssistantMessage = {
    role: 'assistant',
    content: 'Let me read the session — 日本語 too, and `a < b`.\n\nThen fix it.',
    tool_calls: [
      {
        id: 'call_0_0',
        type: 'function',
        function: { name: 'read', arguments: '{"path":"src/session.ts"}' },
      },
      {
        id: 'call_0_1',
        type: 'function',
        function: { name: 'bash', arguments: '{"command":"npm test"}' },
      },
    ],
  };
  const ids = template.assistantBody(msg);
  const parsed = template.parseCompletion(ids, { idPrefix: 'call_0_' });
  assert.deepEqual(parsed, msg);
  const { deltas, beforeFinish } = play(ids, parsed);
  assert.equal(textOf(deltas), msg.content);
  // Most of the text and both names came while the ids arrived, not at the end.
  assert.ok(textOf(deltas.slice(0, beforeFinish)).length > (msg.content?.length ?? 0) - 10);
  const early = deltas.slice(0, beforeFinish).filter((d) => 'toolCall' in d);
  assert.deepEqual(
    early.map((d) => ('toolCall' in d ? d.toolCall : null)),
    [
      { index: 0, id: 'call_0_0', name: 'read' },
      { index: 1, id: 'call_0_1', name: 'bash' },
    ],
  );
  for (const [i, c] of (msg.tool_calls ?? []).entries()) {
    const parts = deltas.flatMap((d) => ('toolCall' in d && d.toolCall.index === i ? [d] : []));
    assert.equal(parts.map((d) => d.toolCall.arguments ?? '').join(''), c.function.arguments);
    assert.equal(parts.filter((d) => d.toolCall.name).length, 1, 'the name comes once');
  }
  assert.ok(!deltas.some((d) => 'restart' in d));
});

test('a body that is not a call joins the text at the end; ids past the vocabulary read as nothing', () => {
  const ids = [
    ...tok.encode('Here.'),
    tok.vocabSize + 3,
    template.toolCall,
    ...tok.encode('not a call'),
    template.end,
    ...tok.encode('after the end'),
  ];
  const parsed = template.parseCompletion(ids, { idPrefix: 'call_0_' });
  assert.equal(parsed.content, 'Here.not a call');
  const { deltas } = play(ids, parsed);
  assert.equal(textOf(deltas), parsed.content);
  assert.ok(!deltas.some((d) => 'toolCall' in d || 'restart' in d));
});

test('a tool call written as text is held back, never shown and then taken away', () => {
  const text =
    'I will read it.\n<tool_call>{"name":"read","arguments":{"path":"a.ts"}}</tool_call>';
  const ids = [...tok.encode(text), template.end];
  const raw = template.parseCompletion(ids, { idPrefix: 'call_0_' });
  const found = parseTextToolCalls(raw.content ?? '', { idPrefix: 'call_0_' });
  const parsed: AssistantMessage = {
    role: 'assistant',
    content: found.content,
    tool_calls: found.toolCalls,
  };
  assert.equal(parsed.content, 'I will read it.');
  const { deltas } = play(ids, parsed);
  assert.ok(!deltas.some((d) => 'restart' in d), JSON.stringify(deltas));
  assert.equal(textOf(deltas), 'I will read it.');
  // When the final parse changes what was already shown, the stream restarts and resends it all.
  const odd: AssistantMessage = { role: 'assistant', content: 'different' };
  const again = play(tok.encode('some text'), odd).deltas;
  const at = again.findIndex((d) => 'restart' in d);
  assert.ok(at > 0);
  assert.equal(textOf(again.slice(at)), 'different');
});

// A real checkpoint as a person makes one: `loopsmith lm init` (random weights; greedy
// decoding of it rarely samples a stop token, so a reply runs to maxTokens).
const dir = mkdtempSync(join(tmpdir(), 'loopsmith-lstream-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ckpt = join(dir, 'ckpt');
const init = spawnSync(
  process.execPath,
  ['dist/src/cli/main.js', 'lm', 'init', '--depth', '2', '--out', ckpt, '--corpus', 'src/harness'],
  { encoding: 'utf8' },
);
assert.equal(init.status, 0, init.stderr);
const messages = [
  { role: 'system' as const, content: 'You are a coding agent.' },
  { role: 'user' as const, content: 'Fix the failing test.' },
];

/** Timer ticks while `p` runs: the longest gap between two says whether the loop was free. */
async function ticking<T>(p: () => Promise<T>): Promise<{ value: T; gap: number; ms: number }> {
  const ticks: number[] = [performance.now()];
  const timer = setInterval(() => ticks.push(performance.now()), 5);
  try {
    const value = await p();
    ticks.push(performance.now());
    let gap = 0;
    for (let i = 1; i < ticks.length; i++) gap = Math.max(gap, ticks[i] - ticks[i - 1]);
    return { value, gap, ms: ticks[ticks.length - 1] - ticks[0] };
  } finally {
    clearInterval(timer);
  }
}

test('local:CKPT streams: pieces arrive while it generates and add up to the reply', async () => {
  const opts = { maxTokens: 1200, temperature: 0, loopStop: 0 };
  const m = await createLocalModel(ckpt, opts);
  try {
    await m.complete({ messages, tools: [], maxTokens: 2 }); // thread start-up is not timed
    const at: number[] = [];
    const deltas: ModelDelta[] = [];
    const t0 = performance.now();
    const {
      value: r,
      gap,
      ms,
    } = await ticking(() =>
      m.complete({
        messages,
        tools: [],
        onDelta: (d) => {
          at.push(performance.now() - t0);
          deltas.push(d);
        },
      }),
    );
    assert.ok(r.usage.completionTokens > 200, `${r.usage.completionTokens} tokens`);
    assert.equal(textOf(deltas), r.message.content ?? '');
    // The first piece comes long before the reply is done, and pieces keep coming.
    assert.ok(at[0] < ms / 2, `first piece at ${at[0].toFixed(0)} of ${ms.toFixed(0)} ms`);
    assert.ok(at.filter((x) => x < ms / 2).length > 20);
    // A loaded machine delays timers; blocked, the loop would not tick for the whole reply.
    assert.ok(gap < Math.max(500, ms / 2), `the loop stalled ${gap.toFixed(0)} ms`);
    // The same reply as generating without streaming, on the calling thread.
    const plain = await createLocalModel(ckpt, { ...opts, worker: false });
    await plain.complete({ messages, tools: [], maxTokens: 2 });
    const want = await plain.complete({ messages, tools: [] });
    assert.deepEqual(r.message, want.message);
    assert.deepEqual(r.tokens?.completionIds, want.tokens?.completionIds);
  } finally {
    await m.close?.();
  }
});

test('cancelling a streamed local reply stops the worker sequence at once', async () => {
  const loaded = loadCheckpoint(ckpt);
  const w = new GenerationWorker(loaded);
  try {
    const m = localModelFrom(loaded, 'local:test', {
      worker: w,
      maxTokens: 3000,
      temperature: 0,
      loopStop: 0,
    });
    const ac = new AbortController();
    let pieces = 0;
    let abortedAt = 0;
    const reply = m.complete({
      messages,
      tools: [],
      signal: ac.signal,
      onDelta: () => {
        if (++pieces === 30) {
          abortedAt = performance.now();
          ac.abort(new Error('cancelled by the user'));
        }
      },
    });
    await assert.rejects(reply, /cancelled by the user/);
    const ms = performance.now() - abortedAt;
    assert.ok(ms < 100, `rejected ${ms.toFixed(0)} ms after the cancel`);
    const rows = (await w.stats()).rows;
    await new Promise((r) => setTimeout(r, 200));
    const st = await w.stats();
    assert.equal(st.rows, rows, 'the thread decodes nothing more for it');
    assert.ok(st.rows < 200, `${st.rows} rows decoded of the 3000 asked`);
    assert.equal(pieces, 30, 'no piece after the cancel');
    // The worker serves the next call.
    const next = await m.complete({ messages, tools: [], maxTokens: 5 });
    assert.equal(next.usage.completionTokens, 5);
  } finally {
    await w.close();
  }
});

test('a session on the local model streams its turns; the trajectory equals an unstreamed run', async () => {
  const runOnce = async (stream: boolean, events: AgentEvent[]) => {
    const root = mkdtempSync(join(dir, 'ws-'));
    writeFileSync(join(root, 'a.js'), 'export const add = (a, b) => a - b;\n');
    const m = await createLocalModel(ckpt, { maxTokens: 300, temperature: 1, seed: 5 });
    // The session always listens for pieces; the unstreamed run hides the hook from the model.
    const model = stream
      ? m
      : { ...m, complete: (r: CompletionRequest) => m.complete({ ...r, onDelta: undefined }) };
    try {
      return await runAgent('Fix add in a.js.', model, createSandbox('none', root), {
        maxTurns: 2,
        maxFormatErrors: 5,
        onEvent: (e) => events.push(e),
      });
    } finally {
      await m.close?.();
    }
  };
  const events: AgentEvent[] = [];
  const t = await runOnce(true, events);
  const quiet: AgentEvent[] = [];
  const plain = await runOnce(false, quiet);
  assert.ok(!quiet.some((e) => e.type === 'model.delta'));
  assert.equal(t.turns.length, 2);
  for (const turn of t.turns) {
    const msg = t.messages[turn.messageIndex] as AssistantMessage;
    const own = events.filter((e) => 'turn' in e && e.turn === turn.turn);
    const texts = own.flatMap((e) => (e.type === 'model.delta' && 'text' in e ? [e.text] : []));
    assert.equal(texts.join(''), msg.content ?? '', `turn ${turn.turn}`);
    const first = own.findIndex((e) => e.type === 'model.delta');
    const done = own.findIndex((e) => e.type === 'model.response');
    assert.ok(first >= 0 && first < done, 'pieces come before the response');
  }
  assert.deepEqual(t.messages, plain.messages);
  assert.deepEqual(
    t.turns.map((x) => x.tokens),
    plain.turns.map((x) => x.tokens),
  );
});

// Context management on a small window with a scripted model: old tool outputs are elided
// first (their text kept in a file the model is pointed to), then earlier turns summarised
// by the model itself; each compaction is recorded; when nothing more can be taken out the
// run ends with context_limit (exit 7).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import type { AssistantMessage } from '../messages.js';
import type { CompletionRequest, Model } from '../providers/model.js';
import { createSandbox } from '../sandbox/index.js';
import { runAgent } from './agent.js';
import { toAtif } from './atif.js';
import { promptTokens, SUMMARY_REQUEST } from './compact.js';
import type { AgentEvent } from './events.js';
import { Session } from './session.js';
import { copyFixtureRepo } from './test-utils.js';
import { segments, type Trajectory } from './trajectory.js';

/** Runs `bash` commands printing `sizes[i]` characters each, then finishes; answers summary requests. */
function chattyModel(sizes: number[]): Model & { seen: CompletionRequest[] } {
  const seen: CompletionRequest[] = [];
  let turn = 0;
  return {
    id: 'chatty',
    seen,
    async complete(req) {
      seen.push(structuredClone({ messages: req.messages, tools: req.tools }));
      const usage = { promptTokens: 0, completionTokens: 5, estimated: true };
      if (req.tools.length === 0)
        return { message: { role: 'assistant', content: `SUMMARY after ${turn} turns` }, usage };
      const n = sizes[turn++];
      const call = (name: string, args: object) => ({
        id: `t${turn}`,
        type: 'function' as const,
        function: { name, arguments: JSON.stringify(args) },
      });
      const message: AssistantMessage = {
        role: 'assistant',
        content: null,
        tool_calls: [
          n === undefined
            ? call('finish', { summary: 'done' })
            : call('bash', { command: `head -c ${n} /dev/zero | tr '\\0' ${turn % 10}` }),
        ],
      };
      return { message, usage };
    },
  };
}

/** Each request is what its segment of the trajectory held at that point. */
function assertSegmentsAreWhatWasSent(t: Trajectory, seen: CompletionRequest[]) {
  const turnRequests = seen.filter((r) => r.tools.length > 0);
  const segs = segments(t);
  let k = 0;
  for (const s of segs)
    for (const turn of s.turns) {
      const req = turnRequests[k++];
      assert.deepEqual(s.messages.slice(0, req.messages.length), req.messages);
      assert.equal(s.messages[turn.messageIndex].role, 'assistant');
      assert.equal(turn.messageIndex, req.messages.length);
    }
  assert.equal(k, turnRequests.length);
}

async function run(sizes: number[], contextWindow: number) {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  // Removed at the end: the spill folder beside the workspace is read by the tests.
  after(cleanup);
  const model = chattyModel(sizes);
  const events: AgentEvent[] = [];
  const spillDir = join(dirname(dir), 'spill');
  const t = await runAgent('make noise', model, createSandbox('none', dir), {
    contextWindow,
    spillDir,
    onEvent: (e) => events.push(e),
  });
  return { t, model, events, spillDir };
}

test('old tool outputs are elided first, their text kept in a file the model is pointed to', async () => {
  const { t, model, events } = await run([2000, 2000, 2000, 2000, 2000], 3000);
  assert.equal(t.status, 'submitted', t.message);
  const kinds = (t.compactions ?? []).map((c) => c.kind);
  assert.ok(kinds.length >= 1 && kinds.every((k) => k === 'elide'), kinds.join());
  const first = t.compactions?.[0];
  const elided = t.messages.find(
    (m) => m.role === 'tool' && m.content.startsWith('[output elided'),
  );
  const file = /chars in (\S+)\]$/.exec(elided?.content ?? '')?.[1] ?? '';
  // The pointer leads to the very observation the model saw before.
  const original = first?.messages.find((m) => m.role === 'tool' && m.content.startsWith('1111'));
  assert.equal(readFileSync(file, 'utf8'), original?.content);
  assert.ok((first?.tokensAfter ?? 0) < (first?.tokensBefore ?? 0));
  assert.equal(events.filter((e) => e.type === 'compaction').length, kinds.length);
  // Every prompt stayed inside the window less the reply's reserve.
  for (const r of model.seen)
    assert.ok(
      promptTokens({ ...t, messages: r.messages, turns: [], compactions: [] }) <= 3000 - 750,
    );
  assertSegmentsAreWhatWasSent(t, model.seen);
});

test('when eliding is not enough, the model summarises the earlier turns', async () => {
  const { t, model } = await run([4000, 4000, 4000], 3000);
  assert.equal(t.status, 'submitted', t.message);
  const summary = t.compactions?.find((c) => c.kind === 'summary');
  assert.ok(summary, JSON.stringify(t.compactions?.map((c) => c.kind)));
  const ask = model.seen.find((r) => r.tools.length === 0);
  assert.equal(ask?.messages.at(-1)?.content, SUMMARY_REQUEST);
  assert.match(
    t.messages[1].content as string,
    /^make noise[\s\S]*Summary of the work so far[^\n]*\nSUMMARY after \d turns/,
  );
  // The original task is kept, not an earlier summary stacked on it.
  assert.equal((t.messages[1].content as string).match(/Summary of the work so far/g)?.length, 1);
  assert.ok(t.usage.completionTokens > 5 * t.turns.length, 'the summary call is counted');
  assertSegmentsAreWhatWasSent(t, model.seen);
  // ATIF tells one chronological history: every turn once, with its metrics, and the compaction.
  const atif = toAtif(t);
  const agent = atif.steps.filter((x) => x.source === 'agent');
  assert.equal(agent.length, t.turns.length);
  assert.ok(agent.every((x) => x.metrics?.completion_tokens === 5));
  assert.deepEqual(
    agent.map((x) => x.tool_calls?.[0].tool_call_id),
    t.turns.map((x) => `t${x.turn}`),
  );
  assert.ok(
    atif.steps.some(
      (x) => x.source === 'system' && /^context compacted \(summary\):/.test(x.message),
    ),
  );
});

test('nothing left to compact: the run ends with context_limit (exit 7)', async () => {
  const { t } = await run([100], 600);
  assert.equal(t.status, 'context_limit');
  assert.equal(t.exitCode, 7);
  assert.match(t.message ?? '', /no longer fits the 600-token context window/);
  assert.equal(t.turns.length, 0);
});

test('compact() on demand summarises even without a known window (/compact)', async () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  after(cleanup);
  const model = chattyModel([300, 300, 300]);
  const s = await Session.start(model, createSandbox('none', dir), {
    spillDir: join(dirname(dir), 'spill-now'),
  });
  assert.equal(await s.compact(), null, 'nothing to compact before the first message');
  await s.send('make noise');
  const r = await s.compact();
  assert.equal(r?.kind, 'summary');
  assert.ok((r?.after ?? 0) < (r?.before ?? 0));
  assert.match(s.trajectory.messages[1].content as string, /SUMMARY after 4 turns/);
  assert.equal(s.trajectory.compactions?.at(-1)?.afterTurn, 4);
  await s.close();
});

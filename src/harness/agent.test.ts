// The loop's own contract, with in-process models: order of calls in a turn, the trajectory
// being exactly what the model saw, replay, and endings that do not depend on the provider.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import type { Message, ToolCall } from '../messages.js';
import type { CompletionRequest, Model } from '../providers/model.js';
import { createModel } from '../providers/spec.js';
import { createSandbox } from '../sandbox/index.js';
import { runAgent } from './agent.js';
import type { AgentEvent } from './events.js';
import { copyFixtureRepo, fixture } from './test-utils.js';
import type { Trajectory } from './trajectory.js';

const call = (id: string, name: string, args: object): ToolCall => ({
  id,
  type: 'function',
  function: { name, arguments: JSON.stringify(args) },
});

/** A model that plays fixed turns and keeps a deep copy of every request it received. */
function recording(turns: ToolCall[][]): Model & { seen: CompletionRequest[] } {
  const seen: CompletionRequest[] = [];
  return {
    id: 'recording',
    seen,
    async complete(req) {
      seen.push(structuredClone({ messages: req.messages, tools: req.tools }));
      const calls = turns[seen.length - 1];
      if (!calls) throw new Error('out of turns');
      return {
        message: { role: 'assistant', content: `turn ${seen.length}`, tool_calls: calls },
        usage: { promptTokens: 10, completionTokens: 5, estimated: false },
      };
    },
  };
}

test('several calls in one turn run in order; calls after finish are answered but not run', async () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  try {
    const model = recording([
      [
        call('a', 'write', { path: 'notes.txt', content: 'one\n' }),
        call('b', 'bash', { command: 'cat notes.txt; echo two >> notes.txt' }),
        call('c', 'read', { path: 'notes.txt' }),
      ],
      [
        call('d', 'finish', { summary: 'ok' }),
        call('e', 'write', { path: 'late.txt', content: 'x' }),
      ],
    ]);
    const t = await runAgent('order', model, createSandbox('none', dir));
    assert.equal(t.status, 'submitted');
    const tool = t.messages.filter(
      (m): m is Extract<Message, { role: 'tool' }> => m.role === 'tool',
    );
    assert.deepEqual(
      tool.map((m) => m.tool_call_id),
      ['a', 'b', 'c', 'd', 'e'],
    );
    assert.match(tool[1].content, /one/);
    assert.match(tool[2].content, /one[\s\S]*two/);
    assert.match(tool[4].content, /Not run/);
    assert.equal(existsSync(join(dir, 'late.txt')), false);
    assert.equal(t.summary, 'ok');
    assert.match(t.diff, /\+\+\+ b\/notes\.txt/);
  } finally {
    cleanup();
  }
});

test('the trajectory is exactly the history the model was sent, saved after every turn', async () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  try {
    const path = join(dirname(dir), 't.json');
    const events: AgentEvent[] = [];
    const sizes: number[] = [];
    const model = recording([
      [call('a', 'list', {})],
      [call('b', 'read', { path: 'src/stats.js' })],
      [call('c', 'finish', { summary: 's' })],
    ]);
    const t = await runAgent('history', model, createSandbox('none', dir), {
      trajectoryPath: path,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'turn.completed')
          sizes.push((JSON.parse(readFileSync(path, 'utf8')) as Trajectory).messages.length);
      },
    });
    // Each request's messages are a prefix of the final trajectory, and the tools sent are the ones recorded.
    for (const req of model.seen) {
      assert.deepEqual(t.messages.slice(0, req.messages.length), req.messages);
      assert.deepEqual(req.tools, t.tools);
    }
    assert.deepEqual(sizes, [4, 6, 8]);
    const saved = JSON.parse(readFileSync(path, 'utf8')) as Trajectory;
    assert.equal(saved.status, 'submitted');
    assert.deepEqual(saved.messages, t.messages);
    assert.equal(saved.turns.length, 3);
    assert.ok(saved.turns.every((x) => x.usage.promptTokens === 10 && x.modelMs >= 0));
    assert.equal(saved.usage.totalTokens, 45);
    assert.equal(events.at(-1)?.type, 'session.completed');
  } finally {
    cleanup();
  }
});

test('replay:TRAJECTORY replays the recorded assistant turns to the same end', async () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  try {
    const first = join(dirname(dir), 'first.json');
    const script = await createModel(`scripted:${fixture('fix-mean.json')}`, {});
    const a = await runAgent('fix it', script, createSandbox('none', dir), {
      trajectoryPath: first,
    });
    assert.equal(a.status, 'submitted');
    const again = copyFixtureRepo('calc-repo');
    try {
      const b = await runAgent(
        'fix it',
        await createModel(`replay:${first}`, {}),
        createSandbox('none', again.dir),
      );
      assert.equal(b.status, 'submitted');
      assert.deepEqual(
        b.messages.filter((m) => m.role === 'assistant'),
        a.messages.filter((m) => m.role === 'assistant'),
      );
      assert.equal(b.diff, a.diff);
    } finally {
      again.cleanup();
    }
  } finally {
    cleanup();
  }
});

test('a provider that hangs and ignores the abort signal still ends at the time limit', async () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  try {
    const hang: Model = { id: 'hang', complete: () => new Promise(() => {}) };
    const t0 = Date.now();
    const t = await runAgent('wait', hang, createSandbox('none', dir), { timeoutMs: 300 });
    assert.equal(t.status, 'time_limit');
    assert.equal(t.exitCode, 5);
    assert.ok(Date.now() - t0 < 20_000);
  } finally {
    cleanup();
  }
});

test('a provider error ends the run with status error and the message kept', async () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  try {
    const broken: Model = {
      id: 'broken',
      async complete() {
        throw new Error('connection reset');
      },
    };
    const t = await runAgent('x', broken, createSandbox('none', dir));
    assert.equal(t.status, 'error');
    assert.equal(t.exitCode, 1);
    assert.match(t.message ?? '', /connection reset/);
  } finally {
    cleanup();
  }
});

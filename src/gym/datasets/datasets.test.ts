// Dataset rows checked against the exact shapes trainers read (zod schemas of the TRL,
// OpenAI fine-tuning and sharegpt formats), RL groups and token rows.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { trainTokenizer } from '../../lm/tokenizer.js';
import type { Message } from '../../messages.js';
import type { RolloutRecord } from '../rollout.js';
import { looAdvantages, rlGroups } from './rl.js';
import { sftRow, toOpenAI, toShareGpt, toTrl } from './sft.js';
import { loadTemplate, tokenRow } from './tokens.js';

const call = (id: string, name: string, args: string) => ({
  id,
  type: 'function' as const,
  function: { name, arguments: args },
});
const tools = [
  {
    type: 'function' as const,
    function: {
      name: 'bash',
      description: 'Run a bash command.',
      parameters: {
        type: 'object',
        properties: { command: { type: 'string' } },
        required: ['command'],
      },
    },
  },
];

// A trajectory with every case: text + call, two calls in one turn, a malformed call, a reply with no call.
function record(
  taskId: string,
  k: number,
  resolved: boolean,
  status = 'submitted',
  tokens = false,
): RolloutRecord {
  const messages: Message[] = [
    { role: 'system', content: 'You are a coding agent.' },
    { role: 'user', content: 'Fix the failing test.' },
    {
      role: 'assistant',
      content: 'Running the tests.',
      tool_calls: [call('c1', 'bash', '{"command":"npm test"}')],
    },
    { role: 'tool', tool_call_id: 'c1', content: 'not ok 1 - adds' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [
        call('c2', 'bash', '{"command":"cat a.js"}'),
        call('c3', 'bash', '{"command":"cat b.js"}'),
      ],
    },
    { role: 'tool', tool_call_id: 'c2', content: 'a' },
    { role: 'tool', tool_call_id: 'c3', content: 'b' },
    { role: 'assistant', content: null, tool_calls: [call('c4', 'bash', '{"command": oops')] },
    { role: 'tool', tool_call_id: 'c4', content: 'Error: arguments are not JSON' },
    { role: 'assistant', content: 'I think it is fixed.' },
    { role: 'user', content: 'Error: no tool call in your reply.' },
    { role: 'assistant', content: null, tool_calls: [call('c5', 'finish', '{"summary":"done"}')] },
    { role: 'tool', tool_call_id: 'c5', content: 'finished' },
  ];
  const turn = (messageIndex: number, formatError = false) => ({
    turn: 0,
    messageIndex,
    usage: { promptTokens: 10, completionTokens: 5, estimated: true },
    modelMs: 1,
    tools: [{ id: 'x', name: 'bash', ms: 1, isError: formatError, formatError }],
    ...(tokens
      ? {
          tokens: {
            promptIds: [1, 2],
            completionIds: [300 + messageIndex, 9],
            logprobs: [-0.5, -0.1],
          },
        }
      : {}),
  });
  const trajectory = {
    format: 'loopsmith.trajectory/1' as const,
    id: `${taskId}-${k}`,
    createdAt: '',
    loopsmithVersion: '0',
    model: 'm',
    task: 't',
    repo: '/r',
    sandbox: 'none',
    tools,
    messages,
    turns: [turn(2), turn(4), turn(7, true), turn(9), turn(11)],
    status: status as 'submitted',
    exitCode: 0,
    usage: {
      promptTokens: 50,
      completionTokens: 25,
      cachedTokens: 0,
      totalTokens: 75,
      estimated: true,
    },
    durationMs: 1,
    diff: '',
  };
  const grade = {
    resolved,
    verdict: resolved ? ('resolved' as const) : ('unresolved' as const),
    testsResolved: resolved,
    tampered: [],
    suspicious: [],
    defences: [],
    discarded: [],
    f2pPassed: resolved ? 1 : 0,
    f2pTotal: 1,
    p2pPassed: 1,
    p2pTotal: 1,
    f2pFraction: resolved ? 1 : 0,
    p2pFraction: 1,
    f2pFailing: [],
    p2pFailing: [],
    testExitCode: 0,
    testMs: 1,
  };
  const timings = {
    materializeMs: 1,
    agentMs: 1,
    modelMs: 1,
    toolMs: 1,
    bashMs: 1,
    harnessMs: 1,
    gradeMs: 1,
    totalMs: 1,
  };
  return {
    format: 'loopsmith.rollout/1',
    taskId,
    stage: 1,
    k,
    seed: k,
    model: 'm',
    status,
    turns: 5,
    cutByLimit: status !== 'submitted',
    usage: trajectory.usage,
    grade,
    reward: {
      reward: resolved ? 1 : 0,
      resolved: resolved ? 1 : 0,
      tokenPenalty: 0,
      totalTokens: 75,
    },
    timings,
    trajectory,
  };
}

const ToolSchemaZ = z
  .object({
    type: z.literal('function'),
    function: z.object({
      name: z.string(),
      description: z.string(),
      parameters: z.record(z.string(), z.unknown()),
    }),
  })
  .strict();

const TrlZ = z
  .object({
    messages: z.array(
      z.union([
        z.object({ role: z.enum(['system', 'user']), content: z.string() }).strict(),
        z
          .object({
            role: z.literal('assistant'),
            content: z.string(),
            tool_calls: z
              .array(
                z
                  .object({
                    id: z.string(),
                    type: z.literal('function'),
                    function: z.object({ name: z.string(), arguments: z.unknown() }).strict(),
                  })
                  .strict(),
              )
              .min(1)
              .optional(),
          })
          .strict(),
        z
          .object({
            role: z.literal('tool'),
            tool_call_id: z.string(),
            name: z.string().min(1),
            content: z.string(),
          })
          .strict(),
      ]),
    ),
    tools: z.array(ToolSchemaZ),
  })
  .strict();

const OpenAIZ = z
  .object({
    messages: z.array(
      z.union([
        z.object({ role: z.enum(['system', 'user']), content: z.string() }).strict(),
        z
          .object({
            role: z.literal('assistant'),
            content: z.string().nullable(),
            tool_calls: z
              .array(
                z
                  .object({
                    id: z.string(),
                    type: z.literal('function'),
                    function: z.object({ name: z.string(), arguments: z.string() }).strict(),
                  })
                  .strict(),
              )
              .min(1)
              .optional(),
            weight: z.union([z.literal(0), z.literal(1)]),
          })
          .strict(),
        z
          .object({ role: z.literal('tool'), tool_call_id: z.string(), content: z.string() })
          .strict(),
      ]),
    ),
    tools: z.array(ToolSchemaZ),
    parallel_tool_calls: z.boolean(),
  })
  .strict();

const ShareGptZ = z
  .object({
    conversations: z.array(
      z
        .object({
          from: z.enum(['human', 'gpt', 'function_call', 'observation']),
          value: z.string(),
        })
        .strict(),
    ),
    system: z.string(),
    tools: z.string(),
  })
  .strict();

describe('SFT formats', () => {
  const rec = record('t1', 0, true);
  test('TRL: messages + tools; assistant tool_calls with object arguments; role tool with its call id and name', () => {
    const row = TrlZ.parse(toTrl(rec));
    const a = row.messages[4] as { tool_calls: { function: { arguments: unknown } }[] };
    assert.deepEqual(a.tool_calls[1].function.arguments, { command: 'cat b.js' });
    // Malformed arguments stay the text the model wrote.
    assert.equal(
      (row.messages[7] as { tool_calls: { function: { arguments: unknown } }[] }).tool_calls[0]
        .function.arguments,
      '{"command": oops',
    );
    assert.deepEqual(row.messages[3], {
      role: 'tool',
      tool_call_id: 'c1',
      name: 'bash',
      content: 'not ok 1 - adds',
    });
    assert.equal(row.messages.length, rec.trajectory.messages.length);
  });
  test('OpenAI: arguments as strings, weight 1 on assistant turns and 0 on the malformed one', () => {
    const row = OpenAIZ.parse(toOpenAI(rec));
    const weights = row.messages
      .filter((m) => m.role === 'assistant')
      .map((m) => (m as { weight: number }).weight);
    assert.deepEqual(weights, [1, 1, 0, 1, 1]);
    assert.equal(
      typeof (row.messages[2] as { tool_calls: { function: { arguments: unknown } }[] })
        .tool_calls[0].function.arguments,
      'string',
    );
  });
  test('sharegpt: strict alternation of human/observation and gpt/function_call', () => {
    const row = ShareGptZ.parse(toShareGpt(rec));
    assert.equal(row.system, 'You are a coding agent.');
    const froms = row.conversations.map((c) => c.from);
    assert.deepEqual(froms, [
      'human',
      'function_call',
      'observation',
      'function_call',
      'observation',
      'function_call',
      'observation',
      'gpt',
      'human',
      'function_call',
      'observation',
    ]);
    froms.forEach((f, i) => {
      assert.ok(
        i % 2 === 0 ? f === 'human' || f === 'observation' : f === 'gpt' || f === 'function_call',
        `turn ${i} is ${f}`,
      );
    });
    assert.deepEqual(JSON.parse(row.conversations[1].value), {
      thought: 'Running the tests.',
      name: 'bash',
      arguments: { command: 'npm test' },
    });
    assert.deepEqual(JSON.parse(row.conversations[4].value), ['a', 'b']);
    assert.equal(JSON.parse(row.tools)[0].name, 'bash');
  });
  test('unknown format: a precise error', () => {
    assert.throws(() => sftRow(rec, 'alpaca' as never), /unknown SFT format "alpaca"/);
  });
});

describe('RL groups', () => {
  test('leave-one-out advantages, limit-cut rollouts masked, uniform groups flagged', () => {
    const want = [2 / 3, -2 / 3, -2 / 3, 2 / 3];
    for (const [i, a] of looAdvantages([1, 0, 0, 1]).entries())
      assert.ok(Math.abs(a - want[i]) < 1e-12);
    assert.deepEqual(looAdvantages([1]), [0]);
    const groups = rlGroups([
      record('b', 1, false, 'turn_limit'),
      record('b', 0, true),
      record('a', 0, false),
      record('a', 1, false),
    ]);
    assert.deepEqual(
      groups.map((g) => g.task_id),
      ['a', 'b'],
    );
    assert.equal(groups[0].uniform, true);
    const b = groups[1];
    assert.equal(b.uniform, false);
    assert.deepEqual(
      b.samples.map((s) => [s.k, s.advantage, s.mask]),
      [
        [0, 1, false],
        [1, -1, true],
      ],
    );
    assert.equal(b.samples[0].messages.length, 13);
  });
});

describe('token rows (the embedded chat template)', () => {
  test('ids and mask from the one template; recorded sampled ids used as sampled', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loopsmith-tok-'));
    try {
      const tok = trainTokenizer(
        ['npm test cat a.js finish summary done Fix the failing test.'],
        300,
      );
      const path = join(dir, 'tokenizer.json');
      writeFileSync(path, JSON.stringify(tok.toJSON()));
      const template = loadTemplate(path);
      const plain = tokenRow(record('t', 0, true), template) as { ids: number[]; mask: number[] };
      assert.equal(plain.ids.length, plain.mask.length);
      assert.ok(plain.mask.includes(1) && plain.mask.includes(0));
      assert.deepEqual(plain, {
        ...plain,
        ...template.renderChat(record('t', 0, true).trajectory.messages, tools),
      });
      const sampled = tokenRow(record('t', 0, true, 'submitted', true), template) as {
        ids: number[];
        mask: number[];
      };
      // The first assistant turn's body is exactly the recorded completion ids, masked 1.
      const at = sampled.ids.indexOf(302);
      assert.deepEqual(sampled.ids.slice(at, at + 2), [302, 9]);
      assert.deepEqual(sampled.mask.slice(at, at + 2), [1, 1]);
      assert.throws(() => loadTemplate(join(dir, 'missing.json')), /cannot read tokenizer JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ToolSchema } from '../messages.js';
import { parseTextToolCalls } from './text-tool-calls.js';
import { parseToolCallBody } from './tool-call-body.js';

/** name + arguments of each call, for short assertions. */
function calls(text: string, tools: ToolSchema[] = []) {
  const r = parseTextToolCalls(text, { tools });
  return {
    content: r.content,
    calls: r.toolCalls.map((c) => [c.id, c.function.name, c.function.arguments]),
  };
}

test('<tool_call> JSON, content stripped', () => {
  assert.deepEqual(
    calls(
      'I will read it.\n<tool_call>\n{"name": "read", "arguments": {"path": "a.ts", "limit": 5}}\n</tool_call>',
    ),
    {
      content: 'I will read it.',
      calls: [['call_0', 'read', '{"path":"a.ts","limit":5}']],
    },
  );
});

test('several <tool_call> blocks, one unclosed at the end', () => {
  const text =
    '<tool_call>{"name":"read","arguments":{"path":"a"}}</tool_call>\n<tool_call>{"name":"bash","arguments":{"command":"ls"}}</tool_call>\n<tool_call>{"name":"finish","arguments":{"summary":"ok"}}';
  assert.deepEqual(calls(text), {
    content: null,
    calls: [
      ['call_0', 'read', '{"path":"a"}'],
      ['call_1', 'bash', '{"command":"ls"}'],
      ['call_2', 'finish', '{"summary":"ok"}'],
    ],
  });
});

test('JSON variants: "parameters", the {"function": ..} wrapping, a list, double-encoded arguments', () => {
  assert.deepEqual(
    calls('<tool_call>{"name":"read","parameters":{"path":"x"}}</tool_call>').calls,
    [['call_0', 'read', '{"path":"x"}']],
  );
  assert.deepEqual(
    calls(
      '<tool_call>{"type":"function","function":{"name":"read","arguments":{"path":"x"}}}</tool_call>',
    ).calls,
    [['call_0', 'read', '{"path":"x"}']],
  );
  assert.deepEqual(
    calls('<tool_call>[{"name":"a","arguments":{}},{"name":"b","arguments":{"n":1}}]</tool_call>')
      .calls,
    [
      ['call_0', 'a', '{}'],
      ['call_1', 'b', '{"n":1}'],
    ],
  );
  assert.deepEqual(
    calls('<tool_call>{"name":"read","arguments":"{\\"path\\": \\"x\\"}"}</tool_call>').calls,
    [['call_0', 'read', '{"path": "x"}']],
  );
});

test('fenced ```json and ```tool_call calls', () => {
  assert.deepEqual(
    calls(
      'Running the tests.\n```json\n{"name": "bash", "arguments": {"command": "npm test"}}\n```\nThen I will fix.',
    ),
    {
      content: 'Running the tests.\n\nThen I will fix.',
      calls: [['call_0', 'bash', '{"command":"npm test"}']],
    },
  );
  assert.deepEqual(calls('```tool_call\n{"name": "list", "arguments": {}}\n```').calls, [
    ['call_0', 'list', '{}'],
  ]);
});

test('a ```json block that is not a call stays in the content', () => {
  const text = 'The package.json should read:\n```json\n{"name": "demo", "version": "1.0.0"}\n```';
  assert.deepEqual(calls(text), { content: text, calls: [] });
  const broken = 'Example:\n```json\n{"name": "x", \n```';
  assert.deepEqual(calls(broken), { content: broken, calls: [] });
});

test('<function=NAME>{json}</function>', () => {
  assert.deepEqual(calls('<function=read>{"path": "src/b.ts"}</function>'), {
    content: null,
    calls: [['call_0', 'read', '{"path":"src/b.ts"}']],
  });
  assert.deepEqual(calls('<function=list></function>').calls, [['call_0', 'list', '{}']]);
});

test('<function=NAME><parameter=KEY>value</parameter></function>, typed by the tool schema', () => {
  const tools: ToolSchema[] = [
    {
      type: 'function',
      function: {
        name: 'read',
        description: '',
        parameters: {
          type: 'object',
          properties: {
            path: { type: 'string' },
            offset: { type: 'integer' },
            all: { type: 'boolean' },
          },
        },
      },
    },
  ];
  const text =
    'Reading.\n<tool_call>\n<function=read>\n<parameter=path>\n007.ts\n</parameter>\n<parameter=offset>\n10\n</parameter>\n<parameter=all>true</parameter>\n</function>\n</tool_call>';
  assert.deepEqual(calls(text, tools), {
    content: 'Reading.',
    calls: [['call_0', 'read', '{"path":"007.ts","offset":10,"all":true}']],
  });
  // Without schemas every value stays a string (the text the model wrote).
  assert.deepEqual(calls(text).calls, [
    ['call_0', 'read', '{"path":"007.ts","offset":"10","all":"true"}'],
  ]);
  // Multi-line values keep their inner newlines.
  const edit = '<function=write><parameter=content>\na\n  b\n</parameter></function>';
  assert.deepEqual(calls(edit).calls, [['call_0', 'write', '{"content":"a\\n  b"}']]);
});

test('mixed forms come out in text order', () => {
  const text =
    '```json\n{"name":"first","arguments":{}}\n```\n<function=second>{}</function>\n<tool_call>{"name":"third","arguments":{}}</tool_call>';
  assert.deepEqual(
    calls(text).calls.map((c) => c[1]),
    ['first', 'second', 'third'],
  );
});

test('malformed JSON in a tool-call tag still gives a call with the raw arguments', () => {
  // Arguments broken (an unterminated string): the name is kept, the argument text passed on raw.
  assert.deepEqual(
    calls(
      '<tool_call>{"name": "edit", "arguments": {"path": "a.ts", "old_string": "x\n}</tool_call>',
    ),
    {
      content: null,
      calls: [['call_0', 'edit', '{"path": "a.ts", "old_string": "x\n}']],
    },
  );
  // One brace too many at the end: the outer object's brace is not part of the arguments.
  assert.deepEqual(
    calls('<tool_call>{"name": "edit", "arguments": {"path": "a.ts", "n": 1,}}</tool_call>').calls,
    [['call_0', 'edit', '{"path": "a.ts", "n": 1,}']],
  );
  // Only the outer brace missing: the arguments themselves are fine.
  assert.deepEqual(
    calls('<tool_call>{"name": "read", "arguments": {"path": "a.ts"}</tool_call>').calls,
    [['call_0', 'read', '{"path":"a.ts"}']],
  );
  // Nothing readable: no name, the whole body as arguments.
  assert.deepEqual(calls('<tool_call>read a.ts please</tool_call>').calls, [
    ['call_0', '', 'read a.ts please'],
  ]);
  assert.deepEqual(calls('<function=bash>{"command": "ls</function>').calls, [
    ['call_0', 'bash', '{"command": "ls'],
  ]);
  assert.deepEqual(
    calls('```tool_call\n{"name": "bash", "arguments": {"command": "ls"\n```').calls,
    [['call_0', 'bash', '{"command": "ls"']],
  );
});

test('calls inside a <think> block are not acted on', () => {
  const text =
    '<think>Maybe <tool_call>{"name":"bash","arguments":{"command":"rm -rf x"}}</tool_call>? No.</think>\n<tool_call>{"name":"read","arguments":{"path":"x"}}</tool_call>';
  assert.deepEqual(calls(text), {
    content:
      '<think>Maybe <tool_call>{"name":"bash","arguments":{"command":"rm -rf x"}}</tool_call>? No.</think>',
    calls: [['call_0', 'read', '{"path":"x"}']],
  });
});

test('plain text is untouched; ids follow the prefix', () => {
  assert.deepEqual(parseTextToolCalls('No tools needed.'), {
    content: 'No tools needed.',
    toolCalls: [],
  });
  const r = parseTextToolCalls(
    '<tool_call>{"name":"a","arguments":{}}</tool_call><tool_call>{"name":"b","arguments":{}}</tool_call>',
    { idPrefix: 't7_' },
  );
  assert.deepEqual(
    r.toolCalls.map((c) => c.id),
    ['t7_0', 't7_1'],
  );
});

test('parseToolCallBody defaults fit a body-only hook', () => {
  assert.deepEqual(parseToolCallBody('{"name":"read","arguments":{"path":"p"}}'), [
    { name: 'read', arguments: '{"path":"p"}' },
  ]);
  assert.deepEqual(parseToolCallBody('not json'), [{ name: '', arguments: 'not json' }]);
  assert.deepEqual(parseToolCallBody('{"path":"p"}', [], false), []);
});

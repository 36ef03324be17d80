import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { z } from 'zod';
import type { ToolCall } from '../../messages.js';
import { type Tool, ToolError } from '../tool.js';
import { defaultTools, runToolCall, toolSchemas } from './index.js';
import { workspace } from './testutil.js';

const SNAPSHOT = 'src/harness/tools/fixtures/schemas.json';
const ws = workspace({ 'a.txt': 'alpha\n' });
after(() => ws.dispose());
const tools = defaultTools();
let n = 0;
const call = (name: string, args: string): ToolCall => ({
  id: `c${++n}`,
  type: 'function',
  function: { name, arguments: args },
});

test('the JSON Schemas the model sees match the snapshot (UPDATE_SNAPSHOTS=1 rewrites it)', () => {
  const actual = `${JSON.stringify(toolSchemas(tools), null, 2)}\n`;
  if (process.env.UPDATE_SNAPSHOTS === '1') writeFileSync(SNAPSHOT, actual);
  assert.ok(
    existsSync(SNAPSHOT),
    `${SNAPSHOT} is missing; run with UPDATE_SNAPSHOTS=1 to create it`,
  );
  assert.equal(actual, readFileSync(SNAPSHOT, 'utf8'));
  assert.deepEqual(
    tools.map((t) => t.name),
    ['read', 'list', 'search', 'edit', 'write', 'bash', 'finish'],
  );
});

test('all schemas and descriptions together stay small (chars / 4 under 600 tokens)', () => {
  const json = JSON.stringify(toolSchemas(tools));
  const tokens = Math.ceil(json.length / 4);
  console.log(`tool schemas: ${json.length} chars, ~${tokens} tokens`);
  assert.ok(tokens < 600, `${tokens} tokens`);
  assert.ok(
    !json.includes('$schema') &&
      !json.includes('additionalProperties') &&
      !json.includes('9007199254740991'),
  );
});

test('a valid call runs the tool', async () => {
  const r = await runToolCall(tools, call('read', '{"path":"a.txt"}'), ws.ctx);
  assert.deepEqual(r, { output: '1\talpha', meta: { truncated: false } });
  const f = await runToolCall(tools, call('finish', '{"summary":" fixed it "}'), ws.ctx);
  assert.deepEqual(f.finish, { summary: 'fixed it' });
});

test('format errors: unknown tool, bad JSON, non-object, missing and mistyped arguments', async () => {
  const u = await runToolCall(tools, call('grep', '{}'), ws.ctx);
  assert.deepEqual(u, {
    output: 'unknown tool "grep"; available tools: read, list, search, edit, write, bash, finish',
    isError: true,
    formatError: 'unknown_tool',
  });
  const j = await runToolCall(tools, call('read', '{"path": "a.txt"'), ws.ctx);
  assert.equal(j.formatError, 'bad_json');
  assert.match(
    j.output,
    /^arguments of read are not valid JSON \(.+\); expected \{path: string, offset\?: integer, limit\?: integer\}$/,
  );
  const arr = await runToolCall(tools, call('read', '["a.txt"]'), ws.ctx);
  assert.equal(
    arr.output,
    'arguments of read must be a JSON object, got array; expected {path: string, offset?: integer, limit?: integer}',
  );
  const missing = await runToolCall(
    tools,
    call('edit', '{"file_path":"a.txt","old_string":"a","new_string":"b"}'),
    ws.ctx,
  );
  assert.equal(missing.formatError, 'bad_arguments');
  assert.equal(
    missing.output,
    'invalid arguments for edit:\n- path: missing (required)\n- unknown argument: file_path\nexpected {path: string, old_string: string, new_string: string, replace_all?: boolean}',
  );
  const typed = await runToolCall(tools, call('read', '{"path":"a.txt","limit":"many"}'), ws.ctx);
  assert.equal(
    typed.output,
    'invalid arguments for read:\n- limit: expected number, got string "many"\nexpected {path: string, offset?: integer, limit?: integer}',
  );
});

test('numbers given as strings are accepted; empty arguments count as {}', async () => {
  const r = await runToolCall(
    tools,
    call('read', '{"path":"a.txt","offset":"1","limit":"1"}'),
    ws.ctx,
  );
  assert.equal(r.output, '1\talpha');
  const twice = await runToolCall(
    tools,
    call('read', JSON.stringify(JSON.stringify({ path: 'a.txt' }))),
    ws.ctx,
  );
  assert.equal(twice.output, '1\talpha');
  const e = await runToolCall(tools, call('list', ''), ws.ctx);
  assert.equal(e.output, 'a.txt');
});

test('tool failures become error observations without a format error; exceptions never escape', async () => {
  const t = await runToolCall(tools, call('read', '{"path":"../x"}'), ws.ctx);
  assert.deepEqual(t, {
    output: '../x is outside the workspace; use a path relative to the repository root',
    isError: true,
  });
  const schema = z.object({ kind: z.string() });
  const boom: Tool<typeof schema> = {
    name: 'boom',
    description: 'fails',
    schema,
    async execute(args) {
      if (args.kind === 'tool') throw new ToolError('a tool error');
      throw new RangeError('unexpected');
    },
  };
  assert.deepEqual(await runToolCall([boom as Tool], call('boom', '{"kind":"tool"}'), ws.ctx), {
    output: 'a tool error',
    isError: true,
  });
  assert.deepEqual(await runToolCall([boom as Tool], call('boom', '{"kind":"other"}'), ws.ctx), {
    output: 'boom failed: unexpected',
    isError: true,
    meta: { exception: 'RangeError' },
  });
});

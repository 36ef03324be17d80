// MCP tools against a real server written with the official SDK, spawned over stdio: the
// schema the model sees, validation before the call, results, errors, long outputs, start-up
// failures.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createSandbox } from '../../sandbox/index.js';
import type { ToolContext } from '../tool.js';
import { runToolCall, toolSchemas } from '../tools/index.js';
import { connectMcpServers, McpStartError, type McpTools } from './servers.js';
import { writeTestMcpServer } from './test-server.js';

let dir: string;
let mcp: McpTools;
let ctx: ToolContext;
const call = (name: string, args: unknown) =>
  runToolCall(
    mcp.tools,
    {
      id: 'c',
      type: 'function',
      function: { name, arguments: typeof args === 'string' ? args : JSON.stringify(args) },
    },
    ctx,
  );

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loopsmith-mcp-'));
  mcp = await connectMcpServers({ t: writeTestMcpServer(dir) }, dir);
  ctx = { root: dir, sandbox: createSandbox('none', dir), spillDir: join(dir, 'out') };
});
after(async () => {
  await mcp?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the server tools are listed as server__tool with the server JSON Schema', () => {
  assert.deepEqual(
    mcp.tools.map((t) => t.name),
    ['t__add', 't__fail', 't__lines', 't__sleep', 't__calls'],
  );
  assert.deepEqual(mcp.servers, [{ name: 't', tools: 5 }]);
  const add = toolSchemas(mcp.tools)[0].function;
  assert.equal(add.description, 'Add two numbers.');
  assert.deepEqual(add.parameters, {
    type: 'object',
    properties: { a: { type: 'number' }, b: { type: 'number' } },
    required: ['a', 'b'],
  });
});

test('a valid call returns the server result', async () => {
  const r = await call('t__add', { a: 2, b: 40 });
  assert.equal(r.output, '42');
  assert.ok(!r.isError);
});

test('bad arguments get the built-in error observation and never reach the server', async () => {
  const before = (await call('t__calls', {})).output;
  const r = await call('t__add', { a: 'two', c: 1 });
  assert.equal(r.formatError, 'bad_arguments');
  assert.match(r.output, /^invalid arguments for t__add:/);
  assert.match(r.output, /- a: expected number, got string "two"/);
  assert.match(r.output, /- b: missing \(required\)/);
  assert.match(r.output, /unknown argument: c/);
  assert.match(r.output, /expected \{a: number, b: number\}/);
  assert.equal((await call('t__add', '{"a": 1,')).formatError, 'bad_json');
  assert.equal((await call('t__calls', {})).output, before);
});

test('an error result is an error observation; the loop goes on', async () => {
  const r = await call('t__fail', {});
  assert.equal(r.output, 'it broke');
  assert.equal(r.isError, true);
  assert.equal(r.formatError, undefined);
});

test('a long result is cut to head and tail, the full text spilled where read reaches it', async () => {
  const r = await call('t__lines', { n: 1000 });
  assert.match(r.output, /^line 1\n/);
  assert.match(r.output, /line 1000$/);
  const m = /full output: (\S+) \.\.\./.exec(r.output);
  assert.ok(m, r.output.slice(0, 300));
  assert.equal(readFileSync(join(dir, m[1]), 'utf8').split('\n').length, 1000);
});

test('an aborted call ends at once instead of waiting for the server', async () => {
  const ac = new AbortController();
  const t0 = Date.now();
  const p = runToolCall(
    mcp.tools,
    { id: 'c', type: 'function', function: { name: 't__sleep', arguments: '{"ms":10000}' } },
    { ...ctx, signal: ac.signal },
  );
  setTimeout(() => ac.abort(new Error('cancelled by the user')), 100);
  const r = await p;
  assert.equal(r.isError, true);
  assert.match(r.output, /cancelled by the user|abort/i);
  assert.ok(Date.now() - t0 < 5000);
  assert.equal((await call('t__add', { a: 1, b: 1 })).output, '2', 'the server is still usable');
});

test('a server that cannot start is a McpStartError naming it', async () => {
  await assert.rejects(
    connectMcpServers(
      {
        broken: {
          command: process.execPath,
          args: ['-e', 'console.error("no config"); process.exit(3)'],
        },
      },
      dir,
    ),
    (e: Error) =>
      e instanceof McpStartError &&
      /MCP server "broken"/.test(e.message) &&
      /no config/.test(e.message),
  );
  await assert.rejects(
    connectMcpServers({ missing: { command: join(dir, 'does-not-exist') } }, dir),
    (e: Error) => e instanceof McpStartError && /"missing"/.test(e.message),
  );
  assert.ok(!existsSync(join(dir, 'does-not-exist')));
});

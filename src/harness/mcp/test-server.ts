// A real MCP server for tests and the prompt bench, written with the official SDK and run as
// a child process over stdio. Its tools cover the adapter's cases: a plain result, an error
// result, a long output, a slow call (cancellation) and a call counter (validation happens
// before the server is reached).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { McpServerConfig } from './servers.js';

const url = (spec: string) => import.meta.resolve(spec);

const SOURCE = () => `
import { McpServer } from ${JSON.stringify(url('@modelcontextprotocol/sdk/server/mcp.js'))};
import { StdioServerTransport } from ${JSON.stringify(url('@modelcontextprotocol/sdk/server/stdio.js'))};
import { z } from ${JSON.stringify(url('zod'))};
let calls = 0;
const server = new McpServer({ name: 'loopsmith-test', version: '1.0.0' });
const text = (t) => ({ content: [{ type: 'text', text: t }] });
server.registerTool('add', { description: 'Add two numbers.', inputSchema: { a: z.number(), b: z.number() } },
  async ({ a, b }) => { calls++; return text(String(a + b)); });
server.registerTool('fail', { description: 'Always fails.', inputSchema: {} },
  async () => { calls++; return { content: [{ type: 'text', text: 'it broke' }], isError: true }; });
server.registerTool('lines', { description: 'Print n numbered lines.', inputSchema: { n: z.number().int() } },
  async ({ n }) => { calls++; return text(Array.from({ length: n }, (_, i) => 'line ' + (i + 1)).join('\\n')); });
server.registerTool('sleep', { description: 'Wait ms milliseconds.', inputSchema: { ms: z.number() } },
  async ({ ms }) => { calls++; await new Promise((r) => setTimeout(r, ms)); return text('slept'); });
server.registerTool('calls', { description: 'How many calls reached the server.', inputSchema: {} },
  async () => text(String(calls)));
await server.connect(new StdioServerTransport());
`;

/** Writes the server script into `dir` and returns the config entry that starts it. */
export function writeTestMcpServer(dir: string): McpServerConfig {
  const file = join(dir, 'mcp-test-server.mjs');
  writeFileSync(file, SOURCE());
  return { command: process.execPath, args: [file] };
}

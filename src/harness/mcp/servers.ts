// Starts the stdio MCP servers named in config, lists their tools and wraps each as a
// loopsmith tool. Servers run on the host as the user configured them (they are the user's
// programs, like their editor's), not in the sandbox; only the user's own config names them.
import type { Tool } from '../tool.js';
import { type McpCallResult, mcpTool } from '../tools/mcp.js';

/** One entry of `mcpServers` in the config. */
export interface McpServerConfig {
  command: string;
  args?: string[];
  /** Added to the SDK's minimal inherited environment (PATH, HOME, ...); our API keys stay out. */
  env?: Record<string, string>;
  cwd?: string;
  /** Per-call time limit, seconds. @default 120 */
  timeoutSec?: number;
}

export const MCP_DEFAULTS = {
  /** Time for a server to start and answer `initialize` + `tools/list`. */
  startTimeoutMs: 15_000,
  callTimeoutSec: 120,
};

export class McpStartError extends Error {}

export interface McpTools {
  tools: Tool[];
  /** Tool count per server, for the session banner. */
  servers: { name: string; tools: number }[];
  close(): Promise<void>;
}

/** Connects every server (in parallel); a server that fails to start fails the whole call. */
export async function connectMcpServers(
  servers: Record<string, McpServerConfig>,
  cwd: string,
): Promise<McpTools> {
  const names = Object.keys(servers);
  if (names.length === 0) return { tools: [], servers: [], close: async () => {} };
  // The SDK is imported only when a server is configured: `run` without MCP stays light.
  const [{ Client }, { StdioClientTransport }] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/stdio.js'),
  ]);
  const clients: InstanceType<typeof Client>[] = [];
  const close = async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
  };
  try {
    const lists = await Promise.all(
      names.map(async (name) => {
        const cfg = servers[name];
        const transport = new StdioClientTransport({
          command: cfg.command,
          args: cfg.args ?? [],
          cwd: cfg.cwd ?? cwd,
          stderr: 'pipe',
          ...(cfg.env ? { env: cfg.env } : {}),
        });
        let stderr = '';
        transport.stderr?.on('data', (d: Buffer) => {
          stderr = (stderr + d.toString()).slice(-2000);
        });
        const client = new Client({ name: 'loopsmith', version: '1' });
        clients.push(client);
        const opts = { timeout: MCP_DEFAULTS.startTimeoutMs };
        try {
          await client.connect(transport, opts);
          const { tools } = await client.listTools(undefined, opts);
          return { name, cfg, client, tools };
        } catch (e) {
          const tail = stderr.trim().split('\n').slice(-3).join(' | ');
          throw new McpStartError(
            `MCP server "${name}" (${cfg.command}) did not start: ${(e as Error).message}${tail ? ` — stderr: ${tail}` : ''}`,
          );
        }
      }),
    );
    const tools: Tool[] = [];
    for (const { name, cfg, client, tools: defs } of lists) {
      const timeout = (cfg.timeoutSec ?? MCP_DEFAULTS.callTimeoutSec) * 1000;
      for (const def of defs)
        tools.push(
          mcpTool(
            name,
            def as Parameters<typeof mcpTool>[1],
            async (tool, args, signal) =>
              (await client.callTool({ name: tool, arguments: args }, undefined, {
                timeout,
                signal,
              })) as McpCallResult,
          ),
        );
    }
    return { tools, servers: lists.map((l) => ({ name: l.name, tools: l.tools.length })), close };
  } catch (e) {
    await close();
    throw e;
  }
}

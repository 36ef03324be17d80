// Tokens of the harness's first request (o200k_base, GPT-4o's tokenizer), split into system
// prompt, tool schemas and task context, against the leanest popular CLI's published ~1.2k.
import { dirname } from 'node:path';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { captureFirstRequest } from '../src/harness/first-request.js';
import { connectMcpServers } from '../src/harness/mcp/servers.js';
import { writeTestMcpServer } from '../src/harness/mcp/test-server.js';
import { copyFixtureRepo } from '../src/harness/test-utils.js';
import { defaultTools } from '../src/harness/tools/index.js';

const PUBLISHED_LEANEST = 1200;
const { dir, cleanup } = copyFixtureRepo('calc-repo');
try {
  const req = await captureFirstRequest(dir, 'Fix the failing test in test/stats.test.js');
  const system = encode(JSON.stringify(req.messages[0])).length;
  const user = encode(JSON.stringify(req.messages[1])).length;
  const tools = encode(JSON.stringify(req.tools)).length;
  const total = encode(JSON.stringify(req.messages)).length + tools;
  console.log(
    `first request: ${total} tokens (system ${system}, tools ${tools} for ${req.tools.length} tools, task+context ${user})`,
  );
  console.log(
    `ratio vs the leanest popular CLI (~${PUBLISHED_LEANEST}, published figure): ${(total / PUBLISHED_LEANEST).toFixed(2)}`,
  );
  // The same request with MCP tools added (a real SDK server: one tool, then its five).
  // The server script lives outside the repo, so the file overview is unchanged.
  const mcp = await connectMcpServers({ calc: writeTestMcpServer(dirname(dir)) }, dir);
  try {
    for (const n of [1, mcp.tools.length]) {
      const withMcp = await captureFirstRequest(dir, 'Fix the failing test in test/stats.test.js', [
        ...defaultTools(),
        ...mcp.tools.slice(0, n),
      ]);
      const all =
        encode(JSON.stringify(withMcp.messages)).length +
        encode(JSON.stringify(withMcp.tools)).length;
      console.log(
        `with ${n} MCP tool${n > 1 ? 's' : ''} (${mcp.tools
          .slice(0, n)
          .map((t) => t.name)
          .join(', ')}): ${all} tokens (+${all - total})`,
      );
    }
  } finally {
    await mcp.close();
  }
} finally {
  cleanup();
}

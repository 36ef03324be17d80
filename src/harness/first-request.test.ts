// Lean is the product: the first request (system prompt + tool schemas + task context) must
// stay at or under 1,000 tokens, below the leanest popular agent CLI's ~1.2k (REFERENCE figures).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { captureFirstRequest, requestText } from './first-request.js';
import { copyFixtureRepo } from './test-utils.js';

test('the first request is at most 1,000 o200k tokens on the calc fixture, and holds what it should', async () => {
  const { dir, cleanup } = copyFixtureRepo('calc-repo');
  try {
    const req = await captureFirstRequest(dir, 'Fix the failing test in test/stats.test.js');
    const { messages, tools } = requestText(req);
    const total = encode(messages).length + encode(tools).length;
    assert.ok(total <= 1000, `first request is ${total} tokens`);
    assert.equal(req.messages[0].role, 'system');
    const user = req.messages[1].content as string;
    assert.match(user, /Fix the failing test/);
    assert.match(user, /Run the tests with `npm test`/); // AGENTS.md
    assert.match(user, /stats\.js/); // overview
    assert.deepEqual(req.tools.map((t) => t.function.name).sort(), [
      'bash',
      'edit',
      'finish',
      'list',
      'read',
      'search',
      'write',
    ]);
  } finally {
    cleanup();
  }
});

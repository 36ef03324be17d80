// The contract every Model implementation passes (SPEC: one shared test for all providers).
// Exported so that providers written elsewhere (local, the gym's oracle) run the same check.
import assert from 'node:assert/strict';
import type { Message, ToolSchema } from '../messages.js';
import type { CompletionRequest, Model } from './model.js';

const tools: ToolSchema[] = [
  {
    type: 'function',
    function: {
      name: 'read',
      description: 'Read a file.',
      parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
    },
  },
];
const messages: Message[] = [
  { role: 'system', content: 'You are a coding agent.' },
  { role: 'user', content: 'Read src/a.ts.' },
];

/** Makes one call and checks the response has the shape the loop relies on. */
export async function assertModelContract(
  model: Model,
  request: CompletionRequest = { messages, tools },
): Promise<void> {
  assert.equal(typeof model.id, 'string');
  assert.ok(model.id.length > 0, 'model id is empty');
  const r = await model.complete(request);
  assert.equal(r.message.role, 'assistant');
  assert.ok(
    r.message.content === null || typeof r.message.content === 'string',
    'content is a string or null',
  );
  const calls = r.message.tool_calls ?? [];
  assert.ok(
    r.message.content !== null || calls.length > 0,
    'an assistant message says something or calls a tool',
  );
  for (const c of calls) {
    assert.equal(typeof c.id, 'string');
    assert.ok(c.id.length > 0, 'tool call id is empty');
    assert.equal(c.type, 'function');
    assert.equal(typeof c.function.name, 'string');
    assert.equal(typeof c.function.arguments, 'string', 'arguments are JSON text');
  }
  for (const n of [r.usage.promptTokens, r.usage.completionTokens, r.usage.cachedTokens ?? 0]) {
    assert.ok(Number.isInteger(n) && n >= 0, `usage count ${n} is a non-negative integer`);
  }
  assert.equal(typeof r.usage.estimated, 'boolean');
  if (r.tokens) {
    assert.ok(
      r.tokens.promptIds.every(Number.isInteger) && r.tokens.completionIds.every(Number.isInteger),
    );
    if (r.tokens.logprobs) assert.equal(r.tokens.logprobs.length, r.tokens.completionIds.length);
  }
}

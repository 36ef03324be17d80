// Seeded random harness conversations for the template tests (and the Jinja check).
import type { AssistantMessage, Message, ToolSchema } from '../messages.js';
import { mulberry32 } from '../random.js';

export const tools: ToolSchema[] = [
  {
    type: 'function',
    function: {
      name: 'read',
      description: 'Read a file.',
      parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
    },
  },
  {
    type: 'function',
    function: {
      name: 'finish',
      description: 'End the task.',
      parameters: { type: 'object', properties: { summary: { type: 'string' } } },
    },
  },
];

/** mulberry32, seeded. */
export const rng = mulberry32;

const PIECES = [
  'const x = 1;',
  '\n',
  '  ',
  ' ',
  'héllo',
  '😀',
  '<|end|>',
  '<|tool_call|>',
  '{"a": 2}',
  'fix the bug',
  '\t}\n',
  '123456',
  "it's",
];
function text(r: () => number): string {
  let s = '';
  const n = Math.floor(r() * 8);
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(r() * PIECES.length)];
  return s;
}

/** A random multi-turn conversation in the harness's shape: system, user, then assistant/tool turns. */
export function conversation(seed: number): Message[] {
  const r = rng(seed);
  const msgs: Message[] = [
    { role: 'system', content: text(r) },
    { role: 'user', content: text(r) },
  ];
  for (let turn = 0; turn < 4; turn++) {
    const nCalls = Math.floor(r() * 3);
    const a: AssistantMessage = { role: 'assistant', content: r() < 0.5 ? text(r) || null : null };
    if (nCalls > 0)
      a.tool_calls = Array.from({ length: nCalls }, (_, i) => ({
        id: `call_${i}`,
        type: 'function' as const,
        function: {
          name: r() < 0.5 ? 'read' : 'finish',
          arguments: JSON.stringify({ path: text(r) }),
        },
      }));
    msgs.push(a);
    for (const c of a.tool_calls ?? [])
      msgs.push({ role: 'tool', tool_call_id: c.id, content: text(r) });
    if (nCalls === 0) msgs.push({ role: 'user', content: text(r) });
  }
  return msgs;
}

// The RL loop driven by an external engine: a vLLM-style upstream started here (token ids +
// logprobs), the recording gateway, the unchanged harness through `loopsmith rollout
// --base-url .../rollout/{rollout}/v1` (real sandbox, hidden-test grade), rewards closing
// each rollout, and `loopsmith data rows --rl` giving rows with exact sampled ids, masks,
// logprobs and leave-one-out advantages.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { startGateway } from '../gym/gateway.js';
import { CLI } from '../harness/test-utils.js';
import type { Message } from '../messages.js';
import { bwrapAvailable } from '../sandbox/index.js';
import type { ExternalRow } from './rl-external.js';

const SANDBOX = bwrapAvailable().ok ? 'bwrap' : 'none';
const FIXTURE = new URL('../../../src/gym/fixtures/sample-tasks.jsonl', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'rl-ext-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// A prefix-preserving toy tokenization of the conversation, as a real engine's template would be.
const codes = (s: string) => [...s].map((c) => 1000 + (c.codePointAt(0) ?? 0));
const render = (m: Message) => [
  ...codes(m.role),
  ...codes(m.content ?? ''),
  ...(m.role === 'assistant'
    ? (m.tool_calls ?? []).flatMap((c) => codes(c.function.arguments))
    : []),
  5,
];

/** Rollout 0 of the task fixes the bug then finishes; rollout 1 finishes at once. */
async function upstream() {
  let episodes = 0;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const msgs = body.messages as Message[];
    const turn = msgs.filter((m) => m.role === 'assistant').length;
    if (turn === 0) episodes++;
    const fix = episodes === 1 && turn === 0;
    const call = fix
      ? {
          name: 'edit',
          arguments: JSON.stringify({
            path: 'src/stats.js',
            old_string: 'x >= lo || x < hi',
            new_string: 'x >= lo && x < hi',
          }),
        }
      : { name: 'finish', arguments: JSON.stringify({ summary: 'done' }) };
    const message = {
      role: 'assistant',
      content: `turn ${turn}`,
      tool_calls: [{ id: `c${turn}`, type: 'function', function: call }],
    };
    const prompt = msgs.flatMap(render);
    const completion = render(message as Message);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: 'x',
        object: 'chat.completion',
        model: body.model,
        choices: [
          {
            index: 0,
            message,
            finish_reason: 'tool_calls',
            token_ids: completion,
            logprobs: { content: completion.map((t) => ({ token: String(t), logprob: -0.5 })) },
          },
        ],
        usage: { prompt_tokens: prompt.length, completion_tokens: completion.length },
        prompt_token_ids: prompt,
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server };
}

test('rollouts through the recording gateway become RL rows an external engine can train on', async () => {
  const up = await upstream();
  const store = join(dir, 'store');
  const gw = await startGateway({ upstream: up.url, store });
  try {
    const run = (args: string[]) =>
      new Promise<{ status: number | null; stderr: string }>((resolve) => {
        // Async spawn: the gateway and upstream live in this process's event loop.
        const p = spawn(process.execPath, [CLI, ...args], {
          env: { ...process.env, LOOPSMITH_QUIET: '1' },
        });
        let stderr = '';
        p.stderr.on('data', (d) => {
          stderr += d;
        });
        p.on('exit', (status) => resolve({ status, stderr }));
      });
    const r = await run([
      'rollout',
      '--model',
      'policy',
      '--base-url',
      `${gw.url}/rollout/{rollout}/v1`,
      '--tasks',
      FIXTURE,
      '--limit',
      '1',
      '--n',
      '2',
      '--max-turns',
      '3',
      '--sandbox',
      SANDBOX,
      '--out',
      join(dir, 'run'),
    ]);
    assert.equal(r.status, 0, r.stderr);
    const out = join(dir, 'rows.jsonl');
    const d = spawnSync(
      process.execPath,
      [CLI, 'data', 'rows', '--store', store, '--rl', '--out', out],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(d.status, 0, d.stderr);
    const report = JSON.parse(d.stdout);
    assert.deepEqual(
      [
        report.rollouts,
        report.groups,
        report.groups_kept,
        report.prefix_mismatches,
        report.open_rollouts,
      ],
      [2, 1, 1, 0, 0],
    );
    const rows = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ExternalRow);
    assert.equal(rows.length, 2);
    const [solved, failed] = rows;
    assert.deepEqual(Object.keys(solved).sort(), [
      'advantage',
      'group_kept',
      'ids',
      'k',
      'logprobs',
      'mask',
      'masked',
      'part',
      'reward',
      'rollout',
      'task_id',
    ]);
    assert.equal(solved.rollout, `${solved.task_id}.0`);
    assert.deepEqual([solved.reward, failed.reward], [1, 0]);
    assert.deepEqual([solved.advantage, failed.advantage], [1, -1]);
    for (const row of rows) {
      assert.equal(row.ids.length, row.mask.length);
      assert.equal(row.ids.length, row.logprobs.length);
      assert.equal(row.masked, false);
      // Trained positions carry the engine's logprobs; prompt and tool output are masked.
      assert.ok(row.logprobs.every((lp, i) => (row.mask[i] === 1 ? lp === -0.5 : lp === 0)));
    }
    // Two turns merged on the exact prefix: both completions are trained, the tool result between is not.
    const trained = solved.ids.filter((_, i) => solved.mask[i] === 1);
    assert.ok(trained.length > 0);
    assert.equal(solved.mask[0], 0);
  } finally {
    await gw.close();
    await new Promise((r) => up.server.close(r));
  }
});

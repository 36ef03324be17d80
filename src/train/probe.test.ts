// The turn probe on real teacher episodes: every teacher turn is replayed once, a call matches
// on tool and arguments as data (not as text), and bad input is refused by name.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createOracleModel } from '../gym/oracle.js';
import { readRecords, runRollouts } from '../gym/rollout.js';
import { sampleTasks } from '../gym/test-utils.js';
import { deriveConfig } from '../lm/config.js';
import { initModel, saveCheckpoint } from '../lm/model.js';
import { trainTokenizer } from '../lm/tokenizer.js';
import type { AssistantMessage } from '../messages.js';
import { probeMarkdown, sameTurn, turnProbe } from './probe.js';

const call = (name: string, args: string): AssistantMessage => ({
  role: 'assistant',
  content: null,
  tool_calls: [{ id: 'c', type: 'function', function: { name, arguments: args } }],
});

test('a turn matches on tool and arguments as data; finish on the tool alone', () => {
  const want = call('read', '{"path":"src/a.js","offset":3}');
  assert.deepEqual(sameTurn(want, call('read', '{ "offset": 3, "path": "src/a.js" }')), {
    name: true,
    exact: true,
  });
  assert.deepEqual(sameTurn(want, call('read', '{"path":"src/b.js","offset":3}')), {
    name: true,
    exact: false,
  });
  assert.deepEqual(sameTurn(want, call('search', '{"pattern":"a"}')), {
    name: false,
    exact: false,
  });
  assert.deepEqual(sameTurn(want, { role: 'assistant', content: 'hi' }), {
    name: false,
    exact: false,
  });
  assert.equal(
    sameTurn(call('finish', '{"summary":"x"}'), call('finish', '{"summary":"y"}')).exact,
    true,
  );
});

test('the probe replays every teacher turn of real episodes; the CLI refuses a missing run', async () => {
  const tasks = sampleTasks().slice(0, 2);
  const dir = await mkdtemp(join(tmpdir(), 'loopsmith-probe-'));
  const runs = join(dir, 'teacher');
  await runRollouts(tasks, {
    outDir: runs,
    makeModel: (gt, _k, seed) => createOracleModel(gt, { seed }),
    episode: { sandbox: 'none' },
    config: { model: 'oracle' },
  });
  const recs = await readRecords(runs);
  const teacherTurns = recs
    .flatMap((r) => r.trajectory.messages)
    .filter((m) => m.role === 'assistant' && m.tool_calls?.length).length;
  const texts = recs.flatMap((r) => r.trajectory.messages.map((m) => JSON.stringify(m)));
  const tok = trainTokenizer(texts, 400);
  const model = initModel(deriveConfig(1, { vocabSize: tok.vocabSize, maxSeqLen: 4096 }), 1, tok);
  const r = await turnProbe(model, [runs], { limit: 5 });
  assert.equal(r.episodes, 2);
  assert.equal(r.overflow, 0);
  assert.equal(r.all.turns, teacherTurns);
  assert.equal(r.episodesMatched, 0, 'an untrained model imitates no whole episode');
  assert.ok(r.all.exact <= r.all.name && r.all.name <= r.all.turns);
  assert.equal(
    Object.values(r.byTool).reduce((a, c) => a + c.turns, 0),
    r.all.turns,
  );
  assert.match(probeMarkdown(r), /\| all \| \d+ \|/);

  const ck = join(dir, 'ckpt');
  saveCheckpoint(ck, model);
  const bin = new URL('../cli/main.js', import.meta.url).pathname;
  const bad = spawnSync(
    process.execPath,
    [bin, 'train', 'probe', '--from', ck, '--runs', join(dir, 'nope')],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^loopsmith train probe: .*nope.*\n$/);
  assert.doesNotMatch(bad.stderr, /at .*\.js:\d+/);
});

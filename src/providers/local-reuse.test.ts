import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runAgent } from '../harness/agent.js';
import { GenerationWorker } from '../lm/generate-worker.js';
import { loadCheckpoint } from '../lm/model.js';
import { createSandbox } from '../sandbox/index.js';
import { localModelFrom } from './local.js';

const dir = mkdtempSync(join(tmpdir(), 'loopsmith-reuse-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a harness episode with prefix reuse yields the same greedy tokens as one without', async () => {
  // A tiny checkpoint as users make it.
  const ckpt = join(dir, 'ckpt');
  const init = spawnSync(
    process.execPath,
    [
      'dist/src/cli/main.js',
      'lm',
      'init',
      '--depth',
      '1',
      '--corpus',
      'src/harness/session.ts',
      'src/harness/prompt.ts',
      'src/messages.ts',
      '--vocab',
      '1200',
      '--out',
      ckpt,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(init.status, 0, init.stderr);
  const model = loadCheckpoint(ckpt);
  const episode = async (prefixCacheMB: number) => {
    const root = mkdtempSync(join(dir, 'ws-'));
    writeFileSync(join(root, 'a.js'), 'export const add = (a, b) => a - b;\n');
    const worker = new GenerationWorker(model, { prefixCacheMB });
    try {
      const m = localModelFrom(model, 'local:test', { maxTokens: 24, temperature: 0, worker });
      const t = await runAgent('Fix add in a.js.', m, createSandbox('none', root), {
        maxTurns: 4,
        maxFormatErrors: 10,
      });
      return { turns: t.turns.map((x) => x.tokens), stats: await worker.stats() };
    } finally {
      await worker.close();
    }
  };
  const withReuse = await episode(64);
  const without = await episode(0);
  assert.ok(withReuse.turns.length >= 3, `only ${withReuse.turns.length} turns`);
  assert.equal(withReuse.turns.length, without.turns.length);
  withReuse.turns.forEach((t, i) => {
    assert.deepEqual(t?.promptIds, without.turns[i]?.promptIds, `turn ${i + 1} prompt`);
    assert.deepEqual(t?.completionIds, without.turns[i]?.completionIds, `turn ${i + 1} completion`);
  });
  // Every turn after the first reused the whole previous prompt and completion but its last token.
  const { stats } = withReuse;
  const expected = withReuse.turns
    .slice(0, -1)
    .reduce((s, t) => s + (t?.promptIds.length ?? 0) + (t?.completionIds.length ?? 0) - 1, 0);
  assert.equal(stats.reusedTokens, expected, JSON.stringify(stats));
  assert.equal(without.stats.reusedTokens, 0);
});

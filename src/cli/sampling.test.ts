import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { deriveConfig } from '../lm/config.js';
import { initModel, saveCheckpoint } from '../lm/model.js';
import { trainTokenizer } from '../lm/tokenizer.js';
import { parseSamplingFlags, samplingSpecOptions } from './sampling.js';

const dir = mkdtempSync(join(tmpdir(), 'loopsmith-sampling-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('sampling flags: greedy locally by default, HTTP models get only the flags given', () => {
  assert.deepEqual(samplingSpecOptions(parseSamplingFlags({})), {
    local: { temperature: 0, topP: 1, seed: 0 },
  });
  const s = parseSamplingFlags({ temperature: '0.7', topP: '0.9', seed: '4' });
  assert.deepEqual(samplingSpecOptions(s, 11), {
    temperature: 0.7,
    extraBody: { top_p: 0.9 },
    local: { temperature: 0.7, topP: 0.9, seed: 11 },
  });
  for (const [f, re] of [
    [{ temperature: '-1' }, /--temperature must be a number >= 0, got "-1"/],
    [{ temperature: 'hot' }, /--temperature/],
    [{ temperature: '' }, /--temperature/],
    [{ topP: '0' }, /--top-p must be in \(0, 1\], got "0"/],
    [{ topP: '1.5' }, /--top-p/],
    [{ seed: '1.5' }, /--seed must be an integer >= 0/],
    [{ seed: '-3' }, /--seed/],
  ] as const)
    assert.throws(() => parseSamplingFlags(f), re);
});

// A checkpoint whose tokenizer was trained on the harness's own sources, so the system
// prompt fits a small context.
const tok = trainTokenizer(
  ['harness/session.ts', 'harness/prompt.ts', 'messages.ts'].map((f) =>
    readFileSync(`src/${f}`, 'utf8'),
  ),
  1200,
);
const ckpt = join(dir, 'ckpt');
saveCheckpoint(ckpt, initModel(deriveConfig(1, { vocabSize: 1200, maxSeqLen: 4096 }), 7, tok));
const repo = mkdtempSync(join(dir, 'ws-'));
writeFileSync(join(repo, 'a.js'), 'export const add = (a, b) => a - b;\n');

function run(tag: string, flags: string[]) {
  const traj = join(dir, `${tag}.json`);
  const r = spawnSync(
    process.execPath,
    [
      'dist/src/cli/main.js',
      'run',
      ...['--repo', repo, '--model', `local:${ckpt}`, '--max-turns', '1', '--max-tokens', '100000'],
      ...['--sandbox', 'none', '--yes', '--trajectory', traj, ...flags, 'Fix add in a.js.'],
    ],
    { encoding: 'utf8' },
  );
  return { r, ids: () => JSON.parse(readFileSync(traj, 'utf8')).turns[0].tokens.completionIds };
}

test('loopsmith run passes --temperature/--top-p/--seed to the local model; bad values exit 2', () => {
  const a = run('greedy-a', []);
  assert.ok(a.r.status === 3 || a.r.status === 6, `exit ${a.r.status}: ${a.r.stderr}`);
  const b = run('greedy-b', ['--seed', '9']);
  // Greedy: the seed changes nothing.
  assert.deepEqual(b.ids(), a.ids());
  const s1 = run('t1-s1', ['--temperature', '1', '--seed', '1']);
  const s1again = run('t1-s1b', ['--temperature', '1', '--seed', '1']);
  const s2 = run('t1-s2', ['--temperature', '1', '--top-p', '0.95', '--seed', '2']);
  assert.deepEqual(s1again.ids(), s1.ids());
  assert.notDeepEqual(s1.ids(), a.ids());
  assert.notDeepEqual(s2.ids(), s1.ids());
  // Strict calls by default: even an untrained model's reply is a call of one of the tools.
  const traj = (tag: string) => JSON.parse(readFileSync(join(dir, `${tag}.json`), 'utf8'));
  const reply = traj('greedy-a').messages.find((m: { role: string }) => m.role === 'assistant');
  const names = traj('greedy-a').tools.map((t: { function: { name: string } }) => t.function.name);
  assert.equal(reply.tool_calls?.length, 1);
  assert.ok(names.includes(reply.tool_calls[0].function.name), reply.tool_calls[0].function.name);
  assert.equal(samplingSpecOptions(parseSamplingFlags({ strict: false })).local?.strict, false);
  const free = run('free', ['--no-strict']);
  assert.notDeepEqual(free.ids(), a.ids());
  for (const flags of [
    ['--temperature', '-1'],
    ['--top-p', '2'],
    ['--seed', 'x'],
  ]) {
    const bad = run('bad', flags);
    assert.equal(bad.r.status, 2, bad.r.stderr);
    assert.match(bad.r.stderr, new RegExp(`^loopsmith run: ${flags[0]} must be [^\\n]*\\n$`));
  }
});

test('loopsmith rollout refuses bad sampling flags with a one-line error', () => {
  const tasks = join(dir, 'tasks.jsonl');
  writeFileSync(tasks, '');
  for (const flags of [
    ['--temperature', 'warm'],
    ['--top-p', '0'],
  ]) {
    const r = spawnSync(
      process.execPath,
      [
        'dist/src/cli/main.js',
        'rollout',
        ...['--tasks', tasks, '--model', `local:${ckpt}`, '--out', join(dir, 'ro')],
        ...['--sandbox', 'none', ...flags],
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^loopsmith rollout: ${flags[0]} must be [^\\n]*\\n$`));
  }
});

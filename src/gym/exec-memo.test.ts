// Reuse of command results in the real sandbox: an identical command on an identical
// workspace is replayed (same result, spill file rewritten), anything that changes the
// workspace or differs in command, cwd or files runs again.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bwrapAvailable, createSandbox } from '../sandbox/index.js';
import { ExecMemo, memoSandbox } from './exec-memo.js';

const kind = bwrapAvailable().ok ? 'bwrap' : 'none';

test(`identical commands on identical workspaces are replayed, others run (${kind})`, async () => {
  const dirs = [0, 1].map(() => mkdtempSync(join(tmpdir(), 'loopsmith-memo-')));
  try {
    for (const d of dirs) {
      writeFileSync(join(d, 'a.txt'), 'one\n');
      mkdirSync(join(d, 'sub'));
    }
    const memo = new ExecMemo();
    const [s1, s2] = dirs.map((d) => memoSandbox(createSandbox(kind, d), memo));
    // The clock shows whether the command really ran.
    const first = await s1.exec('cat a.txt; date +%s%N');
    const again = await s2.exec('cat a.txt; date +%s%N'); // another workspace, same content
    assert.equal(again.output, first.output);
    assert.deepEqual([memo.hits, memo.misses], [1, 1]);
    assert.notEqual((await s2.exec('cat a.txt; date +%s%N', { cwd: 'sub' })).output, first.output);
    writeFileSync(join(dirs[1], 'a.txt'), 'two\n');
    assert.match((await s2.exec('cat a.txt; date +%s%N')).output, /^two\n/);
    // A command that changes the workspace is never recorded.
    await s1.exec('echo x >> a.txt');
    await s1.exec('echo x >> a.txt');
    assert.equal(readFileSync(join(dirs[0], 'a.txt'), 'utf8'), 'one\nx\nx\n');
    // Output over the cap: the spill file (in the harness's .loopsmith folder, as the bash
    // tool puts it) is written again on a replay.
    const big = 'seq 1 20000; date +%s%N';
    mkdirSync(join(dirs[0], '.loopsmith'));
    const spill = (n: number) => join(dirs[0], '.loopsmith', `${n}.txt`);
    const r1 = await s1.exec(big, { maxOutputBytes: 1000, spillPath: spill(1) });
    assert.ok(r1.truncated);
    const r2 = await s1.exec(big, { maxOutputBytes: 1000, spillPath: spill(2) });
    assert.equal(r2.output, r1.output);
    assert.equal(readFileSync(spill(2), 'utf8'), readFileSync(spill(1), 'utf8'));
    assert.equal(readFileSync(spill(2), 'utf8').split('\n').length, 20002);
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

// Format B from real teacher solutions: the oracle solves sample tasks through the harness,
// and each resolved trajectory becomes an issue + code -> diff conversation whose diff, applied
// to the files the agent started from, gives back the clean repository.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createOracleModel } from '../gym/oracle.js';
import { applyPatch } from '../gym/patch.js';
import { readRecords, runRollouts } from '../gym/rollout.js';
import { sampleTasks } from '../gym/test-utils.js';
import { agentFiles } from '../gym/workspace.js';
import { readRuns } from './chats.js';
import { offlineRows, toOfflineRow, writeOfflineRun } from './offline-format.js';

test('format B rows carry the very solution of format A, as issue + code -> diff', async () => {
  const all = sampleTasks();
  const tasks = [all[0], all[all.length - 1]]; // a stage-1 and a multi-file stage-2 task
  const out = await mkdtemp(join(tmpdir(), 'loopsmith-offline-'));
  await runRollouts(tasks, {
    outDir: out,
    makeModel: (gt, _k, seed) => createOracleModel(gt, { seed }),
    episode: { sandbox: 'none' },
    config: { model: 'oracle' },
  });
  const records = await readRecords(out);
  const { rows, skipped } = offlineRows(records, new Map(tasks.map((t) => [t.task.id, t])));
  assert.equal(rows.length, 2);
  assert.deepEqual(skipped, { unresolved: 0, noTask: 0, emptyDiff: 0 });
  for (const row of rows) {
    const gt = tasks.find((t) => t.task.id === row.meta.taskId);
    assert.ok(gt);
    assert.deepEqual(
      row.messages.map((m) => m.role),
      ['system', 'user', 'assistant'],
    );
    const [, user, assistant] = row.messages;
    assert.ok(user.content.includes(gt.task.statement.trim()));
    for (const f of row.meta.files) assert.ok(user.content.includes(`[start of ${f}]\n1 `));
    assert.doesNotMatch(user.content, /tool|finish\(/);
    const diff = /^<patch>\n([\s\S]*)<\/patch>$/.exec(assistant.content)?.[1];
    assert.ok(diff, assistant.content);
    const fixed = applyPatch(agentFiles(gt), diff);
    for (const f of row.meta.files)
      assert.equal(fixed[f], gt.repo.files[f], `${f} after the patch`);
    assert.ok(!row.meta.files.some((f) => gt.repo.testFiles.includes(f)));
  }
  assert.ok(rows[1].meta.files.length >= 1);

  // As a run directory, format B is read by mid2's own reader like format A.
  const b = join(out, 'format-b');
  const w = await writeOfflineRun(records, new Map(tasks.map((t) => [t.task.id, t])), b);
  assert.equal(w.written, 2);
  const back = readRuns([b]);
  assert.deepEqual(back.map((r) => r.taskId).sort(), records.map((r) => r.taskId).sort());
  for (const r of back) {
    assert.deepEqual(r.trajectory.tools, []);
    assert.deepEqual(r.trajectory.turns, []);
    assert.equal(r.trajectory.messages.length, 3);
    assert.ok(r.grade.resolved);
  }
});

test('no row without a non-test change; long files are cut with a note', () => {
  const gt = sampleTasks()[0];
  assert.equal(toOfflineRow(gt, { diff: '' }), null);
  const testOnly = `diff --git a/${gt.repo.testFiles[0]} b/${gt.repo.testFiles[0]}\n--- a/x\n+++ b/x\n`;
  assert.equal(toOfflineRow(gt, { diff: testOnly }), null);
  const src = gt.task.bugs[0].file;
  const row = toOfflineRow(
    gt,
    { diff: `diff --git a/${src} b/${src}\n@@ -1 +1 @@\n-a\n+b\n` },
    { maxFileChars: 40 },
  );
  assert.match(row?.messages[1].content ?? '', /\[\.\.\. \d+ more characters\]/);
});

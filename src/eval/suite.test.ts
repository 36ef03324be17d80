// The draw of a suite: round-robin over repositories under a per-repository cap, seeded, so
// a capped suite spans as many repositories as it can; and suite kinds told apart by content.
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { draw, loadSuite, suiteKind } from './suite.js';

const items = (counts: number[]) =>
  counts.flatMap((n, r) =>
    Array.from({ length: n }, (_, i) => ({ task: { id: `r${r}-t${i}`, repoId: `r${r}` } })),
  );
const perRepo = (xs: { task: { repoId: string } }[]) => {
  const m = new Map<string, number>();
  for (const x of xs) m.set(x.task.repoId, (m.get(x.task.repoId) ?? 0) + 1);
  return m;
};

test('draw: per-repo cap, limit spread over every repository, seeded order', () => {
  const all = items([10, 1, 4, 7, 2]);
  const capped = draw(all, 3, Number.POSITIVE_INFINITY, 0);
  assert.deepEqual([...perRepo(capped).values()].sort(), [1, 2, 3, 3, 3]);
  const limited = draw(all, 3, 7, 0);
  assert.equal(limited.length, 7);
  // The first round takes one task from each of the 5 repositories before any takes two.
  assert.equal(perRepo(limited.slice(0, 5)).size, 5);
  assert.ok([...perRepo(limited).values()].every((n) => n <= 2));
  assert.deepEqual(draw(all, 3, 7, 0), limited);
  // No cap and no limit (a local suite): everything, once.
  assert.equal(draw(all, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, 0).length, 24);
  assert.notDeepEqual(
    draw(all, 3, 7, 1).map((x) => x.task.id),
    limited.map((x) => x.task.id),
  );
});

test('suite kinds: SWE-bench JSONL, gym JSONL, store, directory; errors name the path', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'loopsmith-suite-'));
  await writeFile(join(dir, 'swe.jsonl'), '{"instance_id": "a__b-1", "repo": "x"}\n');
  await writeFile(join(dir, 'gym.jsonl'), '{"task": {}, "repo": {}}\n');
  assert.equal(suiteKind(join(dir, 'swe.jsonl')), 'swebench');
  assert.equal(suiteKind(join(dir, 'gym.jsonl')), 'store');
  assert.equal(suiteKind(dir), 'local');
  assert.throws(() => suiteKind(join(dir, 'nope.db')), /--suite .*nope\.db: no such file/);
  await assert.rejects(
    loadSuite({ path: join(dir, 'swe.jsonl') }),
    /swe\.jsonl:1: missing field "base_commit"/,
  );
});

test('a local repository suite: the factory makes tasks on the spot, the oracle resolves them', async () => {
  const s = await loadSuite({
    path: 'src/tasks/fixtures/textkit',
    localCount: 2,
    testCmd: 'node --test test/',
  });
  assert.equal(s.kind, 'local');
  assert.equal(s.tasks.length, 2);
  for (const gt of s.tasks) {
    // Patches derived from the bugs, as the store's loader does: the agent gets the buggy repo.
    assert.match(gt.task.bugPatch, /^diff --git /);
    assert.match(gt.task.goldPatch, /^diff --git /);
  }
  const { evaluate } = await import('./run.js');
  const { createOracleModel } = await import('../gym/oracle.js');
  const out = await mkdtemp(join(tmpdir(), 'loopsmith-local-eval-'));
  const r = await evaluate(s, {
    outDir: out,
    model: 'oracle',
    makeModel: (gt, _k, seed) => createOracleModel(gt, { seed }),
  });
  assert.equal(r.metrics.resolved, 2);
  assert.equal(r.metrics.repos, 1);
});

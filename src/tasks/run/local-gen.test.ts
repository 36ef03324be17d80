// The real-repository source end to end: the fixture npm package (its own node:test suite,
// run by spawning `npm test`) -> validated tasks in a store -> materialized buggy repo; and
// the warm path's speculative start giving way to the spawned reference.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { it } from 'node:test';
import { DEFAULT_SPEC, generateInto, sourceKey } from '../index.js';
import { materialize } from '../materialize.js';
import { TaskStore } from '../store.js';

it('generates validated tasks from a local repository and materializes one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ls-local-'));
  const store = new TaskStore(join(dir, 't.db'));
  try {
    const spec = {
      ...DEFAULT_SPEC,
      source: 'src/tasks/fixtures/textkit',
      count: 2,
      workers: 2,
      maxPerKind: 1,
      timeoutMs: 60_000,
    };
    const p = await generateInto(store, spec);
    assert.equal(p.tasks, 2);
    const tasks = [...store.iterate()];
    assert.ok(
      tasks.every(
        (t) =>
          t.repoId.startsWith('local:textkit@') &&
          t.failToPass.length >= 1 &&
          t.passToPass.length >= 1,
      ),
    );
    // The chunk that reached the count was cut short, so it stays unfinished for a rerun.
    assert.equal(store.doneSeeds(sourceKey(spec)).size, 0);
    const out = join(dir, 'work');
    const tf = materialize(store, tasks[0].id, out);
    const bug = tasks[0].bugs[0];
    assert.equal(readFileSync(join(out, bug.file), 'utf8'), tf.buggy[bug.file]);
    assert.notEqual(tf.buggy[bug.file], tf.repo.files[bug.file]);
    assert.match(tf.task.goldPatch, new RegExp(`^--- a/${bug.file}$`, 'm'));
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

it('starts on the warm reference but falls back when the spawned one disagrees', async () => {
  // A test that passes only in mocha's own process (no IPC channel): the warm worker fails it.
  const dir = mkdtempSync(join(tmpdir(), 'ls-spec-'));
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ name: 'spec', scripts: { test: 'mocha test/' } }),
    'lib.js':
      'exports.add = (a, b) => a + b;\nexports.neg = (x) => { if (x > 0) return -x; return 0 - x; };\n',
    'test/lib.test.js': `const assert = require('node:assert');\nconst { add, neg } = require('../lib.js');
it('adds', () => assert.equal(add(2, 3), 5));\nit('negates', () => assert.equal(neg(4), -4));
it('runs under mocha', () => assert.equal(typeof process.send, 'undefined'));\n`,
  };
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, 'repo', p)), { recursive: true });
    writeFileSync(join(dir, 'repo', p), c);
  }
  symlinkSync(join(process.cwd(), 'node_modules'), join(dir, 'repo', 'node_modules'));
  const run = async (warm: 'first' | 'none') => {
    const store = new TaskStore(join(dir, `${warm}.db`));
    try {
      const spec = { ...DEFAULT_SPEC, source: join(dir, 'repo'), count: 100, workers: 1, warm };
      await generateInto(store, spec);
      return [...store.iterate()].map((t) => [t.id, t.failToPass, t.passToPass]).sort();
    } finally {
      store.close();
    }
  };
  try {
    const spawned = await run('none');
    assert.ok(spawned.length >= 1);
    // The mocha-only test passes in every kept task: the spawned reference decided.
    assert.ok(
      spawned.every(([, , p2p]) =>
        (p2p as string[]).includes('test/lib.test.js > runs under mocha'),
      ),
    );
    assert.deepEqual(await run('first'), spawned);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

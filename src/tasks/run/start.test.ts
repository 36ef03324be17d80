// The runs `tasks gen` starts before its heavy imports (./start.ts): taken by localChunks they
// give the same tasks as starting them there; not taken (another spec, a full store, an
// error) every process they began is stopped and every copy removed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { loadLocalRepo } from '../sources/local.js';
import { DEFAULT_SPEC, type GenSpec } from '../spec.js';
import { localChunks } from './local-gen.js';
import { detectRunner } from './runners/detect.js';
import { writeLibFixture } from './runners/lib-fixture.js';
import {
  disposeStarted,
  dropPrestart,
  prestart,
  type Started,
  startRuns,
  takeStarted,
} from './start.js';

const NM = join(process.cwd(), 'node_modules');
const CLI = join(process.cwd(), 'dist/src/cli/main.js');
const repoDir = writeLibFixture('mocha', NM);
const scratch = mkdtempSync(join(tmpdir(), 'ls-start-'));
after(() => {
  rmSync(repoDir, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

const spec: GenSpec = {
  ...DEFAULT_SPEC,
  source: repoDir,
  count: 100_000,
  workers: 2,
  timeoutMs: 60_000,
};

const alive = (pid: number | undefined) => {
  try {
    process.kill(pid as number, 0);
    return true;
  } catch {
    return false;
  }
};

/** Every task of one module's candidates (the short mode), as [id, F2P, P2P]. */
async function tasksOf(): Promise<string[]> {
  process.env.LOOPSMITH_MUTATE_FILES = 'lib/num.js';
  try {
    const out: string[] = [];
    for await (const c of localChunks(spec, new Set()))
      for (const t of c.outcome.tasks)
        out.push(JSON.stringify([t.id, [...t.failToPass].sort(), [...t.passToPass].sort()]));
    return out.sort();
  } finally {
    delete process.env.LOOPSMITH_MUTATE_FILES;
  }
}

it('started early or in localChunks, the same tasks', async () => {
  const repo = loadLocalRepo(repoDir, {});
  prestart(repo, spec, detectRunner(repo.files, undefined, undefined));
  const early = await tasksOf();
  // Taken by localChunks: nothing left for the CLI to drop.
  assert.equal(takeStarted(spec), null);
  const late = await tasksOf();
  assert.ok(early.length >= 5, `only ${early.length} tasks`);
  assert.deepEqual(early, late);
});

it('a start for another spec is stopped, its processes killed and copies removed', async () => {
  const repo = loadLocalRepo(repoDir, {});
  const d = detectRunner(repo.files, undefined, undefined);
  const s: Started = startRuns(repo, spec, d, true);
  assert.equal(s.mocha.length, 2);
  // Through prestart's registry: a different worker count does not match.
  dropPrestart();
  prestart(repo, spec, d);
  assert.equal(takeStarted({ ...spec, workers: 1 }), null);
  // The one started by hand: dropped the same way, while its reference still runs.
  const pids = s.mocha.map((p) => p.proc.child.pid);
  const dirs = [s.spawnSuite.dir, ...s.mocha.map((p) => p.dir)];
  disposeStarted(s);
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(
    pids.map((p) => alive(p)),
    [false, false],
  );
  assert.ok(dirs.every((x) => !existsSync(x)));
  await s.spawnedRef.catch(() => undefined);
});

it('tasks gen on a full store exits at once (its early start stopped)', () => {
  const db = join(scratch, 'full.db');
  const gen = () =>
    spawnSync(
      process.execPath,
      [CLI, 'tasks', 'gen', '--source', repoDir, '--count', '1', '--workers', '2', '--db', db],
      { encoding: 'utf8', timeout: 60_000 },
    );
  assert.equal(gen().status, 0);
  const t0 = performance.now();
  const r = gen();
  assert.equal(r.status, 0, r.stderr);
  // The store already holds the task: no chunk runs; live workers would hold the process open.
  assert.ok(performance.now() - t0 < 20_000);
  // A bad source is still one line and exit 2, before anything starts.
  const bad = spawnSync(
    process.execPath,
    [CLI, 'tasks', 'gen', '--source', join(scratch, 'nope'), '--count', '1', '--db', db],
    { encoding: 'utf8' },
  );
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
});

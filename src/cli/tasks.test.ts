// End-to-end tests of `loopsmith tasks`: a run killed with SIGKILL and resumed ends with
// exactly the tasks of an uninterrupted run; exported SWE-bench instances apply with
// `git apply` on the materialized repo and its tests reproduce F2P failing, P2P passing.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { BwrapSandbox, bwrapAvailable } from '../sandbox/index.js';
import { pickParse, runCommand } from '../tasks/run/spawn.js';

const CLI = 'dist/src/cli/main.js';
const GEN = [
  'tasks',
  'gen',
  '--source',
  'synth',
  '--count',
  '60',
  '--seed',
  '11',
  '--workers',
  '1',
  '--no-typecheck',
];

function cli(args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

function ids(db: string): string[] {
  const d = new Database(db, { readonly: true });
  const out = d.prepare('SELECT id FROM tasks ORDER BY id').pluck().all() as string[];
  d.close();
  return out;
}

function progressRows(db: string): number {
  try {
    const d = new Database(db, { readonly: true });
    const n = d.prepare('SELECT count(*) FROM progress').pluck().get() as number;
    d.close();
    return n;
  } catch {
    return 0;
  }
}

/** Runs the tests of a directory and returns pass/fail per test id. */
async function runTests(dir: string, cmd: string): Promise<Record<string, string>> {
  const events = join(dir, '.events.jsonl');
  const reporter = join(process.cwd(), 'dist/src/tasks/run/reporter.js');
  const env = {
    ...process.env,
    NODE_OPTIONS: `--test-reporter=${reporter} --test-reporter-destination=${events}`,
  };
  const r = await runCommand(cmd, dir, env, 120_000);
  return pickParse(readFileSync(events, 'utf8'), r.output, dir).tests;
}

describe('loopsmith tasks (CLI)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ls-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('resumes after kill -9 with nothing lost or duplicated', async () => {
    const clean = join(dir, 'clean.db');
    cli([...GEN, '--db', clean]);
    const killed = join(dir, 'killed.db');
    const child = spawn(process.execPath, [CLI, ...GEN, '--db', killed], { stdio: 'ignore' });
    // Kill once the first repo is committed and the second is in flight.
    while (progressRows(killed) < 1) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const partial = ids(killed).length;
    assert.ok(partial > 0 && partial < 60, `killed run had ${partial} tasks`);
    cli([...GEN, '--db', killed]);
    const a = ids(clean);
    const b = ids(killed);
    assert.equal(a.length, 60);
    assert.deepEqual(b, a);
  });

  it('exports SWE-bench instances whose patches apply and whose tests reproduce F2P/P2P', async () => {
    const db = join(dir, 'clean.db');
    const out = join(dir, 'swe.jsonl');
    cli(['tasks', 'export', '--format', 'swebench', '--out', out, '--db', db]);
    const rows = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(rows.length, 60);
    const keys = [
      'instance_id',
      'repo',
      'base_commit',
      'patch',
      'test_patch',
      'problem_statement',
      'hints_text',
      'created_at',
      'version',
      'FAIL_TO_PASS',
      'PASS_TO_PASS',
      'environment_setup_commit',
      'test_cmd',
    ];
    for (const r of rows) {
      for (const k of keys) assert.equal(typeof r[k], 'string', `${k} of ${r.instance_id}`);
      assert.ok(JSON.parse(r.FAIL_TO_PASS).length >= 1);
      assert.ok(JSON.parse(r.PASS_TO_PASS).length >= 1);
    }
    // Portable: no path of this machine in any exported command.
    for (const r of rows) assert.doesNotMatch(r.test_cmd, /file:|\/work\/|\/tmp\/|\/home\//);
    // A non-bugfix task with hidden tests, a plain bugfix, and a TypeScript task (its portable
    // `--import tsx` runs offline: materialize links loopsmith's own tsx into the copy).
    const picks = [
      rows.find((r) => r.family !== 'bugfix' && r.test_patch),
      rows.find((r) => r.family === 'bugfix'),
      rows.find((r) => /--import tsx\b/.test(r.test_cmd)),
    ];
    for (const [k, r] of picks.entries()) {
      assert.ok(r, 'expected every picked kind of task among 60 tasks');
      // Bare ids and exported instance_ids both name a task.
      const id = k === 0 ? r.instance_id : r.instance_id.split('__')[1];
      const work = join(dir, id);
      const shown = JSON.parse(
        cli(['tasks', 'materialize', id, work, '--db', db, '--hide-tests', '--git']),
      );
      assert.equal(shown.testCmd, r.test_cmd);
      const apply = (patch: string) => {
        writeFileSync(join(dir, 'p.diff'), patch);
        execFileSync('git', ['apply', join(dir, 'p.diff')], { cwd: work });
      };
      if (r.test_patch) apply(r.test_patch);
      const f2p: string[] = JSON.parse(r.FAIL_TO_PASS);
      const p2p: string[] = JSON.parse(r.PASS_TO_PASS);
      const buggy = await runTests(work, r.test_cmd);
      for (const t of f2p) assert.equal(buggy[t], 'fail', `${t} should fail before the fix`);
      for (const t of p2p) assert.equal(buggy[t], 'pass', `${t} should pass before the fix`);
      if (bwrapAvailable().ok) {
        // The same command inside the sandbox (host fs read-only, no network): TAP counts agree.
        const out = await new BwrapSandbox(work).exec(r.test_cmd, { timeoutMs: 120_000 });
        assert.match(
          out.output,
          new RegExp(`^# fail ${f2p.length}$`, 'm'),
          out.output.slice(-2000),
        );
        assert.match(out.output, new RegExp(`^# pass ${p2p.length}$`, 'm'));
      }
      apply(r.patch);
      const fixed = await runTests(work, r.test_cmd);
      for (const t of [...f2p, ...p2p])
        assert.equal(fixed[t], 'pass', `${t} should pass after the fix`);
    }
  });

  it('exports full tasks as JSONL with patches', () => {
    const out = join(dir, 'tasks.jsonl');
    cli([
      'tasks',
      'export',
      '--format',
      'jsonl',
      '--out',
      out,
      '--db',
      join(dir, 'clean.db'),
      '--stage',
      '2',
    ]);
    const rows = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.ok(rows.length > 0);
    for (const { task: t, repo } of rows) {
      assert.equal(t.stage, 2);
      assert.equal(repo.repoId, t.repoId);
      assert.match(t.bugPatch, /^diff --git a\//);
      assert.match(t.goldPatch, /^diff --git a\//);
      assert.ok(t.failToPass.length >= 1 && t.passToPass.length >= 1 && t.statement.length > 0);
    }
  });

  it('round-trips: rollout reads the JSONL export, merge joins stores and exports', async () => {
    const { loadGymTasks } = await import('../gym/tasks-source.js');
    const jsonl = join(dir, 'tasks.jsonl');
    const back = await loadGymTasks(jsonl);
    assert.ok(back.length > 0);
    const db = join(dir, 'clean.db');
    const stage2 = readFileSync(jsonl, 'utf8').trim().split('\n').length;
    const merged = join(dir, 'merged.db');
    const r = spawnSync(process.execPath, [CLI, 'tasks', 'merge', jsonl, db, '--out', merged], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`merged ${stage2 + 60} tasks .*: 60 added, ${stage2} already`),
    );
    assert.deepEqual(ids(merged), ids(db));
    // Its repo count is of distinct repositories, as `tasks stats` counts them.
    const d = new Database(merged, { readonly: true });
    const repos = d.prepare('SELECT COUNT(DISTINCT repo_id) FROM tasks').pluck().get();
    d.close();
    assert.match(r.stderr, new RegExp(`inputs \\(${repos} repos\\)`));
    // A merged task materializes like the original.
    const one = back[0].task;
    const shown = JSON.parse(cli(['tasks', 'show', one.id, '--db', merged]));
    assert.deepEqual(shown.failToPass, one.failToPass);
    assert.equal(shown.goldPatch, one.goldPatch);
  });

  it('rejects bad flags with a precise message', () => {
    const r = spawnSync(
      process.execPath,
      [CLI, 'tasks', 'gen', '--source', 'synth', '--count', 'many'],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--count must be an integer >= 1, got "many"/);
  });
});

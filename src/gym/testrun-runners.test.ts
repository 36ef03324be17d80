// Tasks made from a repository of every runner the task factory supports grade in the gym:
// the fixture repository of each runner (its runner installed from npm, a human reporter in
// its script) -> `loopsmith tasks gen` -> `loopsmith rollout --model oracle` is resolved,
// and a no-op agent on the same task is not. All through the CLI, in the real sandbox.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { bwrapAvailable } from '../sandbox/probe.js';
import { writeFixture } from '../tasks/run/runners/fixtures.js';
import { RUNNERS } from '../tasks/run/runners/index.js';

const run = promisify(execFile);
const CLI = resolve('dist/src/cli/main.js');
const NODE_MODULES = resolve('node_modules');
const NOOP = JSON.stringify([
  {
    role: 'assistant',
    content: null,
    tool_calls: [
      { id: 'c1', type: 'function', function: { name: 'finish', arguments: '{"summary":"x"}' } },
    ],
  },
]);

async function loopsmith(cwd: string, ...args: string[]): Promise<string> {
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const r = await run(process.execPath, [CLI, ...args], { cwd, env, maxBuffer: 16 << 20 });
  return r.stdout;
}

const summary = (dir: string) =>
  JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as {
    rollouts: number;
    resolved: number;
    verdicts: Record<string, number>;
  };

describe('grading reads every runner the task factory supports', { concurrency: 2 }, () => {
  const sandbox = bwrapAvailable().ok ? 'bwrap' : 'none';
  for (const name of RUNNERS) {
    const pkg = name === 'node:test' ? null : name;
    const skip =
      pkg && !existsSync(join(NODE_MODULES, pkg)) ? `${pkg} not installed: run npm ci` : false;
    it(`${name}: oracle resolved, a no-op agent not`, { skip, timeout: 900_000 }, async () => {
      const repo = writeFixture(name, NODE_MODULES);
      const work = mkdtempSync(join(tmpdir(), 'ls-grade-runner-'));
      try {
        // Two test files, `clamps` in one and `adds` in the other: a task hides the file of
        // its failing test, and the oracle finishes on a green run of the other one. (The
        // fixture's always-failing test would keep every run red.)
        const test = join(repo, 'test/calc.test.js');
        const lines = readFileSync(test, 'utf8').split('\n');
        const without = (...t: string[]) =>
          lines.filter((l) => !t.some((x) => l.includes(`'${x}'`))).join('\n');
        writeFileSync(test, without('broken', 'adds'));
        writeFileSync(join(repo, 'test/more.test.js'), without('broken', 'clamps'));
        // tap fails a run below 100% coverage, as with the failing test's file hidden.
        if (name === 'tap') {
          const pj = join(repo, 'package.json');
          writeFileSync(
            pj,
            readFileSync(pj, 'utf8').replace('tap --reporter=terse', 'tap --disable-coverage'),
          );
        }
        if (name === 'node:test') {
          const pj = join(repo, 'package.json');
          writeFileSync(
            pj,
            readFileSync(pj, 'utf8').replace(
              'test/calc.test.js',
              'test/calc.test.js test/more.test.js',
            ),
          );
        }
        const db = join(work, 't.db');
        // A generous run budget: jest and vitest start slowly on a loaded machine.
        await loopsmith(
          repo,
          'tasks',
          'gen',
          '--source',
          '.',
          '--count',
          '1',
          '--timeout-ms',
          '300000',
          '--db',
          db,
        );
        writeFileSync(join(work, 'noop.json'), NOOP);
        for (const [model, out] of [
          ['oracle', 'oracle'],
          [`scripted:${join(work, 'noop.json')}`, 'noop'],
        ])
          await loopsmith(
            work,
            'rollout',
            '--tasks',
            db,
            '--model',
            model,
            '--sandbox',
            sandbox,
            '--max-turns',
            '20',
            '--out',
            join(work, out),
          );
        const oracle = summary(join(work, 'oracle'));
        const noop = summary(join(work, 'noop'));
        assert.deepEqual(oracle.verdicts, { resolved: 1 }, JSON.stringify(oracle));
        assert.deepEqual(noop.verdicts, { unresolved: 1 }, JSON.stringify(noop));
        if (name === 'mocha') {
          // A merged store still knows where the checkout's node_modules is: its task grades.
          const merged = join(work, 'merged.db');
          await loopsmith(work, 'tasks', 'merge', db, '--out', merged);
          await loopsmith(
            work,
            'rollout',
            '--tasks',
            merged,
            '--model',
            'oracle',
            '--sandbox',
            sandbox,
            '--max-turns',
            '20',
            '--out',
            join(work, 'merged-oracle'),
          );
          const m = summary(join(work, 'merged-oracle'));
          assert.deepEqual(m.verdicts, { resolved: 1 }, JSON.stringify(m));
        }
      } finally {
        rmSync(repo, { recursive: true, force: true });
        rmSync(work, { recursive: true, force: true });
      }
    });
  }
});

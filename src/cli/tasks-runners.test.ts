// `loopsmith tasks gen` on real-repository layouts: a mocha repo whose script prints dots
// makes verified tasks; a repo whose runner cannot be told is one line, exit 2, no store.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const MOCHA_MISSING = existsSync(join(process.cwd(), 'node_modules', 'mocha'))
  ? false
  : 'mocha not installed: run npm ci';

import { writeFixture } from '../tasks/run/runners/fixtures.js';

const CLI = join(process.cwd(), 'dist/src/cli/main.js');

describe('loopsmith tasks gen on real repositories', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ls-gen-runner-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a mocha repo (`mocha --reporter dot`) yields verified tasks', { skip: MOCHA_MISSING }, () => {
    const repo = writeFixture('mocha', join(process.cwd(), 'node_modules'));
    try {
      const db = join(dir, 'm.db');
      const gen = spawnSync(
        process.execPath,
        [CLI, 'tasks', 'gen', '--source', repo, '--count', '2', '--workers', '1', '--db', db],
        { encoding: 'utf8' },
      );
      assert.equal(gen.status, 0, gen.stderr);
      assert.match(gen.stderr, /^runner: mocha \(scripts\.test runs mocha\)$/m);
      const stats = JSON.parse(
        spawnSync(process.execPath, [CLI, 'tasks', 'stats', '--db', db], { encoding: 'utf8' })
          .stdout,
      );
      assert.equal(stats.tasks, 2);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it('an undetectable runner: one line naming what was found, exit 2, no store made', () => {
    const repo = join(dir, 'undetectable');
    mkdirSync(join(repo, 'test'), { recursive: true });
    writeFileSync(join(repo, 'package.json'), '{"name":"u","scripts":{"test":"make check"}}');
    writeFileSync(join(repo, 'test', 'a.test.js'), 'require("./helper")\n');
    const db = join(dir, 'u.db');
    const r = spawnSync(
      process.execPath,
      [CLI, 'tasks', 'gen', '--source', repo, '--count', '2', '--db', db],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /scripts\.test is "make check".*pass --runner/);
    assert.equal(existsSync(db), false);
  });

  it('a repo whose tests cannot be parsed: one line with the runner and its evidence', () => {
    const repo = join(dir, 'unparseable');
    mkdirSync(join(repo, 'test'), { recursive: true });
    writeFileSync(
      join(repo, 'package.json'),
      '{"name":"p","scripts":{"test":"node test/a.test.js"}}',
    );
    writeFileSync(join(repo, 'test', 'a.test.js'), 'console.log("all good")\n');
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        'tasks',
        'gen',
        '--source',
        repo,
        '--count',
        '2',
        '--runner',
        'node:test',
        '--db',
        join(dir, 'p.db'),
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 2, r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 2, r.stderr); // the runner line, then the error
    assert.match(
      lines[1],
      /^error: .*no parseable test results with node:test \(--runner node:test\)/,
    );
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});

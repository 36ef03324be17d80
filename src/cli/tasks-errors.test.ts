// The first five minutes: user errors in `loopsmith tasks` are one line on stderr with exit
// 2 and no stack trace, and a command that reads a store never creates one.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

const CLI = join(process.cwd(), 'dist/src/cli/main.js');

function run(args: string[], cwd: string) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
}

/** Exit 2, exactly one line on stderr matching `re`, no stack trace. */
function userError(r: ReturnType<typeof run>, re: RegExp): void {
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], re);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

describe('loopsmith tasks: user errors', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ls-uerr-'));
    const r = run(
      ['tasks', 'gen', '--source', 'synth', '--count', '3', '--seed', '5', '--workers', '1'],
      dir,
    );
    assert.equal(r.status, 0, r.stderr);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const cmd of [
    ['tasks', 'stats'],
    ['tasks', 'show', 'abc'],
    ['tasks', 'materialize', 'abc', 'out'],
    ['tasks', 'export', '--format', 'jsonl', '--out', 'x.jsonl'],
  ]) {
    it(`${cmd.slice(0, 2).join(' ')} on a missing store says so and creates nothing`, () => {
      userError(
        run([...cmd, '--db', 'missing.db'], dir),
        /^error: missing\.db: no such task store/,
      );
      assert.equal(existsSync(join(dir, 'missing.db')), false);
    });
  }

  it('a file that is not a store is named', () => {
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    userError(
      run(['tasks', 'stats', '--db', 'notes.txt'], dir),
      /notes\.txt: not a loopsmith task store/,
    );
  });

  it('a repository whose package.json is not JSON', () => {
    const repo = join(dir, 'badpkg');
    mkdirSync(join(repo, 'test'), { recursive: true });
    writeFileSync(join(repo, 'package.json'), '{bad');
    writeFileSync(join(repo, 'test', 'a.test.js'), '');
    userError(
      run(['tasks', 'gen', '--source', repo, '--count', '1', '--db', 'bad.db'], dir),
      /badpkg\/package\.json is not valid JSON/,
    );
  });

  it('an unknown task id in materialize and show', () => {
    userError(
      run(['tasks', 'materialize', 'ffffffff', 'out'], dir),
      /^error: no task with id or instance_id ffffffff in loopsmith-tasks\.db/,
    );
    assert.equal(existsSync(join(dir, 'out')), false);
    userError(run(['tasks', 'show', 'synth-2-5__ffff'], dir), /no task with id or instance_id/);
  });

  it('materialize into a non-empty directory', () => {
    mkdirSync(join(dir, 'full'));
    writeFileSync(join(dir, 'full', 'a'), '');
    const id = JSON.parse(run(['tasks', 'stats'], dir).stdout).tasks > 0;
    assert.ok(id);
    const first = run(['tasks', 'export', '--format', 'swebench', '--out', 's.jsonl'], dir);
    assert.equal(first.status, 0, first.stderr);
    const iid = JSON.parse(
      spawnSync('head', ['-1', join(dir, 's.jsonl')], { encoding: 'utf8' }).stdout,
    ).instance_id;
    userError(run(['tasks', 'materialize', iid, 'full'], dir), /full is not empty/);
  });

  it('merge of a missing input or a foreign JSONL', () => {
    userError(run(['tasks', 'merge', 'nope.db', '--out', 'm.db'], dir), /nope\.db: no such file/);
    writeFileSync(join(dir, 'foreign.jsonl'), '{"id": 1}\n');
    userError(
      run(['tasks', 'merge', 'foreign.jsonl', '--out', 'm.db'], dir),
      /foreign\.jsonl:1: expected \{"task"/,
    );
  });
});

// A SWE-bench-format suite end to end on a small git repository made here: the gold patch
// (played by the oracle through the unchanged harness and grader) resolves, an empty patch
// does not; the run report and per-instance entries say so; bad rows and a run directory of
// another suite are one-line errors with exit 2.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { agentFiles } from '../gym/workspace.js';
import { loadSweSuite, parseSweRow } from './swebench.js';

const CLI = resolve('dist/src/cli/main.js');
const git = (cwd: string, ...args: string[]) => {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
};

const MATH_BUGGY = `export function add(a, b) {\n  return a - b;\n}\n\nexport function mul(a, b) {\n  return a * b;\n}\n`;
const TEST_BASE = `import assert from 'node:assert/strict';\nimport { describe, test } from 'node:test';\nimport { mul } from '../src/math.js';\n\ndescribe('mul', () => {\n  test('multiplies', () => assert.equal(mul(3, 4), 12));\n});\n`;
const TEST_NEW =
  `${TEST_BASE}\ndescribe('add', () => {\n  test('adds', () => assert.equal(add(2, 3), 5));\n});\n`.replace(
    "import { mul } from '../src/math.js';",
    "import { add, mul } from '../src/math.js';",
  );

/** A repo with a base commit (bug) and a later fix commit; SWE-bench rows taken from the diff. */
async function makeRepo(): Promise<{ dir: string; suite: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'loopsmith-swe-repo-'));
  await writeFile(
    join(dir, 'package.json'),
    '{"name":"mini","type":"module","scripts":{"test":"node --test"}}\n',
  );
  spawnSync('mkdir', ['-p', join(dir, 'src'), join(dir, 'test')]);
  await writeFile(join(dir, 'src/math.js'), MATH_BUGGY);
  await writeFile(join(dir, 'test/math.test.js'), TEST_BASE);
  git(dir, 'init', '-q');
  git(dir, '-c', 'user.email=t@t', '-c', 'user.name=t', 'add', '-A');
  git(dir, '-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'base');
  const base = git(dir, 'rev-parse', 'HEAD');
  await writeFile(join(dir, 'src/math.js'), MATH_BUGGY.replace('a - b', 'a + b'));
  await writeFile(join(dir, 'test/math.test.js'), TEST_NEW);
  git(dir, '-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qam', 'fix');
  const row = {
    instance_id: 'mini__math-1',
    repo: dir,
    base_commit: base,
    patch: `${git(dir, 'diff', base, 'HEAD', '--', 'src')}\n`,
    test_patch: `${git(dir, 'diff', base, 'HEAD', '--', 'test')}\n`,
    problem_statement: 'add(2, 3) returns -1 instead of 5.',
    FAIL_TO_PASS: JSON.stringify(['test/math.test.js > add > adds']),
    PASS_TO_PASS: JSON.stringify(['test/math.test.js > mul > multiplies']),
    test_cmd: 'node --test test/math.test.js',
  };
  const suite = join(dir, '..', `${dir.split('/').pop()}-suite.jsonl`);
  await writeFile(suite, `${JSON.stringify(row)}\n`);
  return { dir, suite };
}

const run = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

test('a SWE-bench row becomes a task that starts at base_commit and grades with test_patch', async () => {
  const { suite } = await makeRepo();
  const { tasks } = loadSweSuite(suite, await readFile(suite, 'utf8'));
  assert.equal(tasks.length, 1);
  const gt = tasks[0];
  const start = agentFiles(gt);
  assert.equal(start['src/math.js'], MATH_BUGGY);
  // The agent sees the test file as base_commit has it, grading restores test_patch's version.
  assert.equal(start['test/math.test.js'], TEST_BASE);
  assert.equal(gt.repo.files['test/math.test.js'], TEST_NEW);
  assert.match(gt.task.goldPatch, /\+ {2}return a \+ b;/);
});

test('eval on a SWE-bench suite: gold patch resolves, empty patch does not; reports agree', async () => {
  const { suite } = await makeRepo();
  const out = await mkdtemp(join(tmpdir(), 'loopsmith-swe-eval-'));
  const gold = run('eval', '--model', 'oracle', '--suite', suite, '--out', join(out, 'gold'));
  assert.equal(gold.status, 0, gold.stderr);
  assert.match(gold.stdout, /1\/1 resolved = 100\.0% .*\(1 tasks, 1 repos\)/);
  const report = JSON.parse(await readFile(join(out, 'gold', 'report.json'), 'utf8'));
  assert.deepEqual(report.resolved_ids, ['mini__math-1']);
  assert.equal(report.schema_version, 2);
  const inst = JSON.parse(await readFile(join(out, 'gold', 'instance_reports.json'), 'utf8'));
  assert.deepEqual(inst['mini__math-1'].tests_status.FAIL_TO_PASS, {
    success: ['test/math.test.js > add > adds'],
    failure: [],
  });

  const script = join(out, 'finish.json');
  await writeFile(
    script,
    JSON.stringify([
      { tool_calls: [{ function: { name: 'finish', arguments: { summary: 'done' } } }] },
    ]),
  );
  const empty = run(
    'eval',
    '--model',
    `scripted:${script}`,
    '--suite',
    suite,
    '--out',
    join(out, 'empty'),
  );
  assert.equal(empty.status, 0, empty.stderr);
  assert.match(empty.stdout, /0\/1 resolved = 0\.0%/);
  const r2 = JSON.parse(await readFile(join(out, 'empty', 'report.json'), 'utf8'));
  assert.deepEqual(r2.empty_patch_ids, ['mini__math-1']);
  assert.deepEqual(r2.resolved_ids, []);
  assert.equal(r2.completed_instances, 0);

  // Rerun: resumable, nothing redone.
  const again = run('eval', '--model', 'oracle', '--suite', suite, '--out', join(out, 'gold'));
  assert.equal(again.status, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /\[1\/1\]/);

  const cmp = run('compare', join(out, 'gold'), join(out, 'empty'));
  assert.equal(cmp.status, 0, cmp.stderr);
  assert.match(cmp.stdout, /won by A: mini__math-1/);
  assert.match(cmp.stdout, /McNemar exact: A only 1, B only 0, p = 1/);

  // The same directory for another suite: refused in one line.
  const other = join(out, 'other.jsonl');
  await writeFile(other, (await readFile(suite, 'utf8')).replace('mini__math-1', 'mini__math-2'));
  const clash = run('eval', '--model', 'oracle', '--suite', other, '--out', join(out, 'gold'));
  assert.equal(clash.status, 2);
  assert.match(clash.stderr, /^loopsmith eval: .*holds an eval of another suite.*\n$/);
  // A rollout directory is not an eval run.
  const notEval = run('compare', join(out, 'gold'), out);
  assert.equal(notEval.status, 2);
  assert.match(notEval.stderr, /^loopsmith compare: .* is not an eval run directory.*\n$/);
});

test('a row missing a field is a one-line error naming file, line and field', async () => {
  const { suite } = await makeRepo();
  const row = JSON.parse(await readFile(suite, 'utf8'));
  delete row.test_patch;
  const bad = `${suite}.bad.jsonl`;
  await writeFile(bad, `${JSON.stringify(row)}\n`);
  assert.throws(() => parseSweRow(JSON.stringify(row), 'x:1'), /x:1: missing field "test_patch"/);
  const r = run('eval', '--model', 'oracle', '--suite', bad, '--out', `${bad}.out`);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^loopsmith eval: .*\.bad\.jsonl:1: missing field "test_patch"\n$/);
  const list = JSON.stringify({ ...row, test_patch: '', FAIL_TO_PASS: 'not json' });
  assert.throws(() => parseSweRow(list, 'y:2'), /y:2: field "FAIL_TO_PASS": must be a JSON list/);
});

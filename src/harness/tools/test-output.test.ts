// Compaction of node:test output on a real run of `node --test` (a suite that passes whole,
// a suite with a failing test, a test that throws inside the code under test).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { compactNodeTestOutput } from './test-output.js';

const TESTS = `import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { half } from './lib.mjs';
describe('fine', () => { it('one', () => {}); it('two', () => {}); });
describe('broken', () => {
  it('adds', () => { assert.equal(1 + 1, 3); });
  it('halves', () => { half(null); });
  it('keeps', () => {});
});
`;

test('node:test TAP keeps failures, their errors, repository frames and the totals; drops the noise', () => {
  const dir = mkdtempSync(join(tmpdir(), 'loopsmith-tap-'));
  try {
    writeFileSync(join(dir, 'lib.mjs'), 'export function half(x) {\n  return x.value / 2;\n}\n');
    writeFileSync(join(dir, 'x.test.mjs'), TESTS);
    const r = spawnSync(process.execPath, ['--test', 'x.test.mjs'], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    const raw = r.stdout + r.stderr;
    const out = compactNodeTestOutput(raw);
    assert.ok(out, 'recognised as node:test output');
    assert.ok(out.length * 3 < raw.length, `much shorter: ${out.length} of ${raw.length} chars`);
    assert.doesNotMatch(out, /duration_ms|# Subtest|TAP version|node:internal|^\s*---$/m);
    assert.match(out, /^ok \d+ - fine$/m, 'a passing suite is one line');
    assert.doesNotMatch(out, /ok \d+ - one/, 'its children go');
    assert.match(
      out,
      /not ok \d+ - adds\n\s+error:\n\s+Expected values to be strictly equal:\n\s+2 !== 3/,
    );
    assert.match(out, /x\.test\.mjs:6:\d+\)/, 'the failing line of the test file');
    assert.match(
      out,
      /Cannot read properties of null[\s\S]*lib\.mjs:2:\d+\)/,
      'the frame in the code under test',
    );
    assert.match(out, /^ {4}ok \d+ - keeps$/m, 'passing tests of a failing suite stay');
    assert.match(out, /^# tests 5\n# pass 3\n# fail 2$/m);
    assert.equal(
      compactNodeTestOutput('plain text\nnot ok 1 - x'),
      null,
      'other output is left alone',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// A uvu test file that requires uvu (CommonJS) is recorded like one that imports it: the
// resolve hook alone missed it and such a repository's reference run had no results.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';

test('uvu: tests in a CommonJS file are recorded with suite and name', () => {
  const dir = mkdtempSync(join(tmpdir(), 'uvu-cjs-'));
  try {
    symlinkSync(resolve('node_modules'), join(dir, 'node_modules'));
    mkdirSync(join(dir, 'tests'));
    writeFileSync(
      join(dir, 'tests', 'num.js'),
      `const { test, suite } = require('uvu');
const assert = require('uvu/assert');
test('adds', () => assert.is(1 + 1, 2));
test('breaks', () => assert.is(1 + 1, 3));
test.run();
const s = suite('s');
s('inner', () => {});
s.run();
`,
    );
    const report = join(dir, 'report.jsonl');
    const hook = new URL('./uvu-hook.js', import.meta.url).pathname;
    const bin = join(dir, 'node_modules', 'uvu', 'bin.js');
    spawnSync(process.execPath, ['--import', hook, bin, 'tests'], {
      cwd: dir,
      env: { ...process.env, LOOPSMITH_REPORT: report },
    });
    const done = readFileSync(report, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((l) => l.status)
      .map((l) => `${l.titles.join('>')}:${l.status}`);
    assert.deepEqual(done.sort(), ['>adds:pass', '>breaks:fail', 's>inner:pass']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

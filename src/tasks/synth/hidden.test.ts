// Hidden tests with fresh inputs (option hiddenCases): the visible tests stay byte-identical,
// each public module gets a hidden file with other inputs for the same functions, graded
// but never shown (its path is left out of the agent's command and visible tests).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isHiddenTestFile, withoutHiddenFiles } from '../run/describe.js';
import { generateRepo } from './index.js';

test('hiddenCases adds one hidden test file per public module with fresh inputs', () => {
  for (const seed of [1, 2, 7]) {
    const plain = generateRepo(seed, { language: 'js', hiddenCases: 0 });
    const withHidden = generateRepo(seed, { language: 'js', hiddenCases: 4 });
    for (const f of plain.testFiles) assert.equal(withHidden.files[f], plain.files[f]);
    const hidden = withHidden.testFiles.filter(isHiddenTestFile);
    assert.equal(hidden.length, plain.testFiles.length);
    for (const h of hidden) {
      const visible = withHidden.files[h.replace('.hidden.test.', '.test.')];
      // Test bodies (names aside): calls with their inputs, or a class's call sequence.
      const bodies = (s: string) =>
        new Set(
          s
            .split(/\n\s*it\(/)
            .slice(1)
            .map((b) => b.slice(b.indexOf('\n'))),
        );
      const all = [...bodies(withHidden.files[h])];
      const fresh = all.filter((b) => !bodies(visible).has(b));
      // Every hidden case is a fresh input (the visible ones, edge cases too, are not drawn).
      assert.ok(all.length > 0, `${h}: no hidden case`);
      assert.deepEqual(fresh, all, `${h}: a hidden case repeats a visible one`);
    }
    assert.ok(hidden.every((h) => withHidden.testCmd.includes(h)));
    assert.ok(hidden.every((h) => !withHidden.files['package.json'].includes(h)));
    assert.equal(withoutHiddenFiles(withHidden.testCmd, withHidden.testFiles), plain.testCmd);
  }
  assert.throws(() => generateRepo(1, { hiddenCases: -1 }), /hiddenCases/);
});

test('hidden tests are on by default: a repo id rebuilds with them', () => {
  const r = generateRepo(3);
  assert.ok(r.testFiles.some(isHiddenTestFile));
  assert.deepEqual(r, generateRepo(3, { hiddenCases: 3 }));
  assert.ok(!r.files['package.json'].includes('.hidden.test.'));
});

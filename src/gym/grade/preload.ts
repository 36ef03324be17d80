// Loaded with --import into every test file's process of a grading run, before any code of
// the repository (node:test: each test file's process; other runners: every node process of
// the run, the runner's own first): installs the run's seal when this process is the one
// that holds it (grade/seal.ts), freezes the builtin assertion and test modules, so that code
// under test (which runs in the same process as the assertions) cannot turn them into
// no-ops, and removes what the environment says about the grading machinery. Honest code
// never writes to these objects; the freeze is invisible to it.
import assert from 'node:assert';
import * as nodeTest from 'node:test';

// Only other runners' runs are sealed; node:test's test-file processes skip loading it.
if (process.env.LOOPSMITH_GRADE_RUNSEAL) (await import('./seal.js')).installSeal();
// Tests of the other defences turn the freeze off (the seal stays).
const thaw = process.env.LOOPSMITH_GRADE_THAW === '1';

function freezeFn(f: unknown): void {
  if (typeof f !== 'function') return;
  for (const k of ['skip', 'todo', 'only'] as const) {
    const sub = (f as unknown as Record<string, unknown>)[k];
    if (typeof sub === 'function') Object.freeze(sub);
  }
  Object.freeze(f);
}

if (!thaw) {
  for (const a of [assert, assert.strict]) {
    Object.freeze(a);
  }
  Object.freeze(assert.AssertionError);
  Object.freeze(assert.AssertionError.prototype);
  for (const f of [
    nodeTest.default,
    nodeTest.test,
    nodeTest.describe,
    nodeTest.it,
    nodeTest.suite,
    nodeTest.before,
    nodeTest.after,
    nodeTest.beforeEach,
    nodeTest.afterEach,
  ])
    freezeFn(f);
}

// The grading machinery's own variables only: other runners' in-process reporters (mocha,
// tape, uvu) read LOOPSMITH_REPORT at each line.
for (const k of Object.keys(process.env))
  if (k.startsWith('LOOPSMITH_GRADE')) delete process.env[k];
if (process.env.NODE_OPTIONS)
  process.env.NODE_OPTIONS = process.env.NODE_OPTIONS.split(/\s+/)
    .filter((a) => a !== '' && !a.startsWith('--test-reporter'))
    .join(' ');

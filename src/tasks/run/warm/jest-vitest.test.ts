// The warm jest and vitest workers on runs that do not simply pass or fail: a module that
// throws while loading, a test that never ends (the runner's own test timeout fails it), an
// uncaught asynchronous error, then the clean repository again. For each the warm run must
// report what spawning `jest` / `vitest run` reports, and the worker must serve the next run
// (vitest's kept thread, jest's kept runtime state).
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadLocalRepo } from '../../sources/local.js';
import type { SuiteResult } from '../../validate.js';
import { detectRunner } from '../runners/detect.js';
import { SpawnSuite } from '../spawn.js';
import { WarmCliSuite } from './cli-suite.js';
import { edgeRepo, NM } from './edge-repo.js';

const missing = (pkg: string) =>
  existsSync(join(NM, pkg)) ? false : `${pkg} not installed: run npm ci`;

const brief = (r: SuiteResult) => ({ tests: r.tests, invalid: r.invalid, timedOut: r.timedOut });

async function same(
  kind: 'jest' | 'vitest',
  files: Record<string, string>,
  cases: Record<string, string>[],
): Promise<SuiteResult[]> {
  const dir = edgeRepo(files, kind);
  const repo = loadLocalRepo(dir);
  const detected = detectRunner(repo.files, undefined);
  const spawn = new SpawnSuite(repo, { nodeModulesFrom: dir, runner: detected });
  const warm = new WarmCliSuite(repo, {
    kind,
    nodeModulesFrom: dir,
    segment: detected.segment,
    timeoutMs: 30_000,
  });
  try {
    const out: SuiteResult[] = [];
    for (const c of cases) {
      const [a, b] = await Promise.all([spawn.run(c, null), warm.run(c, null)]);
      assert.deepEqual(brief(b), brief(a), JSON.stringify(c).slice(0, 120));
      out.push(b);
    }
    return out;
  } finally {
    spawn.dispose();
    warm.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

const pkg = (runner: string, script: string, esm: boolean) =>
  JSON.stringify({
    name: `edge-${runner}`,
    ...(esm ? { type: 'module' } : {}),
    scripts: { test: script },
    devDependencies: { [runner]: '*' },
  });

for (const kind of ['vitest', 'jest'] as const) {
  const esm = kind === 'vitest';
  const head = esm
    ? "import { expect, it } from 'vitest';\nimport { f } from '../lib.js';\n"
    : "const { f } = require('../lib.js');\n";
  const exp = (body: string) => (esm ? `export const f = ${body}` : `exports.f = ${body}`);
  const testFile = (name: string, x: number) =>
    `${head}it('${name}', () => { expect(f(${x})).toBe(${x + 1}); });\n`;
  describe(`warm ${kind}: runs that end early`, () => {
    // vitest's kept thread once passed the late-error case where the spawned run failed (an
    // error thrown after the file's runner stopped went unread): ./vitest-thread.ts now hands
    // such errors to the pool and a run waits for its due timers (dev/LOG.md "runner6").
    it('a module throwing at load, a test that never ends, an uncaught async error', {
      skip: missing(kind),
    }, async () => {
      const late = exp(
        '(x) => { if (x === 3) setTimeout(() => { throw new Error("late"); }, 0); return x + 1; };\n',
      );
      const a = testFile('a one', 1);
      const [clean, loadErr, unended, , again] = await same(
        kind,
        {
          'package.json': pkg(
            kind,
            kind === 'vitest' ? 'vitest run --testTimeout=500' : 'jest --testTimeout=500',
            esm,
          ),
          'lib.js': exp('(x) => x + 1;\n'),
          'test/a.test.js': a,
          'test/b.test.js': testFile('b one', 3),
        },
        [
          {},
          { 'lib.js': 'throw new Error("boom at load");\n' },
          { 'test/a.test.js': a.replace('});\n', 'return new Promise(() => {}); });\n') },
          { 'lib.js': late },
          {},
        ],
      );
      assert.deepEqual(clean.tests, {
        'test/a.test.js > a one': 'pass',
        'test/b.test.js > b one': 'pass',
      });
      assert.notDeepEqual(loadErr.tests, clean.tests);
      assert.equal(unended.tests['test/a.test.js > a one'], 'fail');
      assert.deepEqual(again.tests, clean.tests);
    });
  });
}

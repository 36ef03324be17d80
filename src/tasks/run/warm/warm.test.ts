// The warm mocha path against the spawning one: mutant schemata behave like the mutated
// file, and on a mocha repository made here every candidate validates to the same outcome
// (same F2P and P2P) through the warm worker as through spawning `mocha` per run, with and
// without the bailing first run.
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const MOCHA_MISSING = existsSync(join(process.cwd(), 'node_modules', 'mocha'))
  ? false
  : 'mocha not installed: run npm ci';

import { bugCandidates } from '../../mutate/index.js';
import { Rng } from '../../rng.js';
import { loadLocalRepo } from '../../sources/local.js';
import { referenceRun, spliceEdits, validate } from '../../validate.js';
import { detectRunner } from '../runners/detect.js';
import { writeFixture } from '../runners/fixtures.js';
import { SpawnSuite } from '../spawn.js';
import { MochaWarmSuite, warmEligible } from './mocha-suite.js';
import { buildSchema } from './schemata.js';

describe('mutant schemata', () => {
  it('each switch value runs its mutant, 0 the original; probes mark functions', () => {
    const src =
      'function f(a, b) { if (a > b) return a - b; return b; }\nconst g = (x) => x * 2;\nmodule.exports = { f, g };\n';
    const edits = [
      {
        id: 1,
        edits: [{ start: src.indexOf('a > b'), end: src.indexOf('a > b') + 5, text: 'a < b' }],
      },
      {
        id: 2,
        edits: [{ start: src.indexOf('x * 2'), end: src.indexOf('x * 2') + 5, text: 'x + 2' }],
      },
      { id: 3, edits: [{ start: 0, end: 8, text: 'function' }] }, // outside any body: not switchable
    ];
    const s = buildSchema('m.js', src, edits, 0);
    assert.deepEqual([...s.probeOf.keys()], [1, 2]);
    const load = (code: string, m: number) => {
      const hit: number[] = [];
      const mod = { exports: {} as { f(a: number, b: number): number; g(x: number): number } };
      new Function('module', '__ls_cov', '__ls_m', code)(mod, (k: number) => hit.push(k), m);
      return { ...mod.exports, hit };
    };
    for (const m of [0, 1, 2]) {
      const want = load(m === 0 ? src : spliceEdits(src, edits[m - 1].edits), 0);
      const got = load(s.code, m);
      for (const [a, b] of [
        [5, 3],
        [1, 4],
        [7, 7],
      ])
        assert.equal(got.f(a, b), want.f(a, b));
      assert.equal(got.g(5), want.g(5));
    }
    const probed = load(s.code, 0);
    probed.g(1);
    assert.deepEqual(probed.hit, [s.probeOf.get(2)]);
  });
});

describe('MochaWarmSuite', () => {
  it('validates every candidate like spawning mocha does', { skip: MOCHA_MISSING }, async () => {
    const dir = writeFixture('mocha', join(process.cwd(), 'node_modules'));
    try {
      const repo = loadLocalRepo(dir);
      assert.ok(warmEligible(repo));
      const detected = detectRunner(repo.files, undefined);
      const cands = bugCandidates(repo, new Rng(7), { maxPerKind: 3 });
      assert.ok(cands.length >= 4, `only ${cands.length} candidates`);
      const spawn = new SpawnSuite(repo, { nodeModulesFrom: dir, runner: detected });
      const warm = new MochaWarmSuite(repo, {
        nodeModulesFrom: dir,
        args: ['--reporter', 'dot'],
        candidates: cands,
      });
      try {
        const sref = await referenceRun(spawn);
        const wref = await referenceRun(warm);
        assert.deepEqual(wref.tests, sref.tests);
        let kept = 0;
        for (const c of cands) {
          const a = await validate(spawn, sref, repo.files, [c]);
          const b = await validate(warm, wref, repo.files, [c]);
          // The warm path may skip running an uncovered candidate; the outcome is the same.
          const norm = (v: typeof a) =>
            v.ok
              ? { f2p: v.failToPass, p2p: v.passToPass }
              : v.reason === 'uncovered'
                ? 'equivalent'
                : v.reason;
          assert.deepEqual(norm(b), norm(a), c.description);
          // The same with the bailing first run (LOOPSMITH_BAIL=1, off by default).
          process.env.LOOPSMITH_BAIL = '1';
          try {
            const bailed = await validate(warm, wref, repo.files, [c]);
            assert.deepEqual(norm(bailed), norm(a), `${c.description} (bail)`);
          } finally {
            delete process.env.LOOPSMITH_BAIL;
          }
          if (a.ok) kept++;
        }
        assert.ok(kept >= 1);
      } finally {
        spawn.dispose();
        warm.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The warm jest, vitest, tape, uvu, node:test, ava and tap paths against spawning `jest` /
// `vitest run` / `tape` / `uvu` / `node --test` / `ava` / `tap`: on the per-runner library fixture (three test files), the warm worker's reference equals the spawned one, a candidate's first run takes
// only the test file that imports its module, and candidates validate to the same F2P and
// P2P through the warm worker (test-file selection on) as by spawning the runner for every run.
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bugCandidates } from '../../mutate/index.js';
import { Rng } from '../../rng.js';
import { loadLocalRepo } from '../../sources/local.js';
import { referenceRun, validate } from '../../validate.js';
import { detectRunner } from '../runners/detect.js';
import { writeLibFixture } from '../runners/lib-fixture.js';
import { SpawnSuite } from '../spawn.js';
import { WarmCliSuite } from './cli-suite.js';

const NM = join(process.cwd(), 'node_modules');
const missing = (pkg: string) =>
  existsSync(join(NM, pkg)) ? false : `${pkg} not installed: run npm ci`;

describe('WarmCliSuite', () => {
  for (const kind of ['jest', 'vitest', 'tape', 'uvu', 'node:test', 'ava', 'tap'] as const)
    it(`validates candidates like spawning ${kind} does`, {
      skip:
        kind === 'tap' && process.env.LOOPSMITH_WARM_TAP === '0'
          ? 'warm tap turned off: LOOPSMITH_WARM_TAP=0'
          : kind !== 'node:test' && missing(kind),
    }, async () => {
      const dir = writeLibFixture(kind, NM);
      try {
        const repo = loadLocalRepo(dir);
        const detected = detectRunner(repo.files, undefined);
        // ava's 10 s inactivity timeout fires on a loaded machine (and ava 7's TAP reporter
        // then throws): give both paths a long one.
        if (kind === 'ava') detected.segment = 'ava --timeout=120s';
        // tap's CLI takes seconds per run, minutes when niced on a loaded machine.
        const spawn = new SpawnSuite(repo, {
          nodeModulesFrom: dir,
          runner: detected,
          timeoutMs: 300_000,
        });
        const warm = new WarmCliSuite(repo, {
          kind,
          nodeModulesFrom: dir,
          segment: detected.segment,
        });
        try {
          const sref = await referenceRun(spawn);
          // tap: candidates spawn each test file with node (seconds less a run than tap's CLI),
          // as generation does once that path's clean run equals the CLI's (runners/direct.test.ts).
          if (kind === 'tap')
            spawn.runDirect(['test/list.test.js', 'test/num.test.js', 'test/text.test.js']);
          if (kind === 'node:test' || kind === 'tap')
            warm.useFiles(['test/list.test.js', 'test/num.test.js', 'test/text.test.js']);
          const w = await warm.run({}, null);
          assert.deepEqual(w.tests, sref.tests);
          assert.equal(Object.keys(w.tests).length, 24);
          warm.learn(sref, w.durationMs);
          const only = warm.covering('lib/num.js', []) as Set<string>;
          assert.equal(only.size, 8);
          // Candidates of lib/num.js: one run of jest each way costs seconds here.
          const cands = bugCandidates(repo, new Rng(3), { maxPerKind: 2 })
            .filter((c) => c.file === 'lib/num.js')
            .slice(0, ['jest', 'vitest', 'ava', 'tap'].includes(kind) ? 3 : 6);
          assert.ok(cands.length >= 2, `only ${cands.length} candidates`);
          let kept = 0;
          for (const c of cands) {
            const a = await validate(spawn, sref, repo.files, [c]);
            const b = await validate(warm, sref, repo.files, [c]);
            const norm = (v: typeof a) =>
              v.ok ? { f2p: v.failToPass, p2p: v.passToPass } : v.reason;
            assert.deepEqual(norm(b), norm(a), c.description);
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

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { RepoTypeChecker } from '../mutate/typecheck.js';
import { Rng } from '../rng.js';
import type { RepoSnapshot } from '../types.js';
import { measureDiversity } from './diversity.js';
import { fnCases, loadPlan } from './evaluate.js';
import { generateRepo, SYNTH_VERSION } from './index.js';
import type { FnSpec } from './types.js';

/** Writes a repo to a temp dir; TS repos are transpiled to JS (imports already end in .js). */
function materializeAsJs(repo: RepoSnapshot): { dir: string; tests: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'synth-'));
  for (const [path, text] of Object.entries(repo.files)) {
    const js = path.endsWith('.ts') ? path.replace(/\.ts$/, '.js') : path;
    const out = path.endsWith('.ts')
      ? ts.transpileModule(text, {
          compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
        }).outputText
      : text;
    mkdirSync(dirname(join(dir, js)), { recursive: true });
    writeFileSync(join(dir, js), out);
  }
  return { dir, tests: repo.testFiles.map((t) => t.replace(/\.ts$/, '.js')) };
}

function runTests(repo: RepoSnapshot): { status: number | null; out: string } {
  const { dir, tests } = materializeAsJs(repo);
  try {
    // The child must not inherit this runner's NODE_TEST_CONTEXT, or it skips its files.
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const r = spawnSync(process.execPath, ['--test', ...tests], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
      env,
    });
    return { status: r.status, out: r.stdout + r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('evaluation', () => {
  it('drops a case that hangs and keeps the others', () => {
    const spec: FnSpec = {
      kind: 'fn',
      name: 'spin',
      params: [{ name: 'x', type: 'number' }],
      returns: 'number',
      doc: 'd',
      calls: [],
      template: 't',
      body: '  while (x < 0) {}\n  return x * 2;',
      args: () => [3],
      edge: [[-1], [1], [2]],
    };
    const loaded = loadPlan([{ path: 'src/a.js', layer: 0, specs: [spec] }]);
    const cases = fnCases(spec, loaded, new Rng(1), 4);
    assert.deepEqual(
      cases.map((c) => c.args),
      [[1], [2], [3]],
    );
    assert.deepEqual(
      cases.map((c) => (c.outcome.ok ? c.outcome.value : null)),
      [2, 4, 6],
    );
  });
});

describe('generateRepo', () => {
  it('is deterministic: the same seed gives the same bytes, other seeds differ', () => {
    const a = generateRepo(11);
    const b = generateRepo(11);
    assert.deepEqual(a, b);
    assert.equal(a.repoId, `synth:${SYNTH_VERSION}:11`);
    assert.notDeepEqual(generateRepo(12).files, a.files);
  });

  it('honours sizes and language', () => {
    const r = generateRepo(5, { language: 'ts', modules: 2, functionsPerModule: 3, depth: 0 });
    assert.equal(r.language, 'ts');
    // One visible and one hidden (fresh inputs) test file per public module.
    assert.equal(r.testFiles.filter((f) => !f.includes('.hidden.')).length, 2);
    assert.equal(r.testFiles.length, 4);
    assert.ok(Object.keys(r.files).every((f) => !f.startsWith('src/') || f.endsWith('.ts')));
    assert.ok(
      !Object.keys(r.files).some((f) => /^src\/[^/]+\//.test(f)),
      'depth 0 has no helper modules',
    );
    const deep = generateRepo(5, { language: 'js', depth: 3, helperRate: 1 });
    assert.ok(
      Object.keys(deep.files).some((f) => /^src\/[^/]+\//.test(f)),
      'depth 3 has helper modules',
    );
    assert.throws(
      () => generateRepo(1, { modules: 0 }),
      /option modules must be an integer in \[1, 20\], got 0/,
    );
  });

  it('writes test suites that pass under node --test on the clean JS repos', () => {
    for (const seed of [1, 2, 3]) {
      const repo = generateRepo(seed, { language: 'js' });
      const r = runTests(repo);
      assert.equal(r.status, 0, `seed ${seed}:\n${r.out.slice(-2000)}`);
      assert.match(r.out, /# pass [1-9]\d*\n# fail 0/);
    }
  });

  it('writes TS repos that type-check and whose tests pass', () => {
    for (const seed of [4, 5]) {
      const repo = generateRepo(seed, { language: 'ts' });
      assert.deepEqual(new RepoTypeChecker(repo).allErrors(), []);
      const r = runTests(repo);
      assert.equal(r.status, 0, `seed ${seed}:\n${r.out.slice(-2000)}`);
      assert.match(r.out, /# pass [1-9]\d*\n# fail 0/);
    }
  });

  it('has meaningful variety over 80 seeds (floors on bodies, shapes, vocabulary)', () => {
    const d = measureDiversity(0, 80);
    assert.ok(
      d.distinctBodies / d.functions > 0.3,
      `distinct bodies ${d.distinctBodies}/${d.functions}`,
    );
    assert.ok(d.distinctShapes >= 180, `shapes ${d.distinctShapes}`);
    assert.ok(d.vocabulary >= 450, `vocabulary ${d.vocabulary}`);
    assert.equal(d.distinctLayouts, 80);
  });
});

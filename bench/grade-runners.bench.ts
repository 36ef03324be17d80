// The other runners' grading overhead (issue 11): the same honest fixture workspace of each
// runner (src/tasks/run/runners/fixtures.ts, its failing test fixed) graded with the sealed
// test process (preload + seal, testrun-sealed.ts) and without either (the run as it was
// before), interleaved ABBA, in the real sandbox. Prints per runner mean ms and the ratio.
// `node dist/bench/grade-runners.bench.js [reps=2] [runner...]`
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type GradeSpec, gradeWorkspace } from '../src/gym/grade.js';
import { makeTestRunner, sandboxTestRunner, type TestRunner } from '../src/gym/testrun.js';
import { createWorkspace } from '../src/gym/workspace.js';
import { bwrapAvailable, createSandbox } from '../src/sandbox/index.js';
import { fixtureIds, writeFixture } from '../src/tasks/run/runners/fixtures.js';
import type { RunnerName } from '../src/tasks/run/runners/index.js';

const kind = bwrapAvailable().ok ? 'bwrap' : 'none';
const reps = Number(process.argv[2] ?? 2);
const names = (
  process.argv.length > 3
    ? process.argv.slice(3)
    : ['mocha', 'jest', 'vitest', 'tape', 'ava', 'uvu']
) as RunnerName[];
const before = makeTestRunner({ seal: false, freeze: false });

async function once(dir: string, name: RunnerName, runner: TestRunner): Promise<number> {
  const t = 'test/calc.test.js';
  const start = {
    'package.json': readFileSync(join(dir, 'package.json'), 'utf8'),
    'lib/calc.js': readFileSync(join(dir, 'lib/calc.js'), 'utf8'),
  };
  const ids = fixtureIds(name);
  const spec: GradeSpec = {
    testCmd: 'npm test',
    failToPass: ids.fail,
    passToPass: ids.pass,
    testFiles: { [t]: readFileSync(join(dir, t), 'utf8') },
    startFiles: start,
    repoFiles: { ...start, [t]: readFileSync(join(dir, t), 'utf8') },
    deps: dir,
  };
  const fixed = start['lib/calc.js'].replace(
    'return a + b;',
    'return a === 1 && b === 1 ? 3 : a + b;',
  );
  const ws = await createWorkspace({ ...start, 'lib/calc.js': fixed });
  try {
    const t0 = performance.now();
    const { grade } = await gradeWorkspace(createSandbox(kind, ws.root), spec, runner);
    const ms = performance.now() - t0;
    if (grade.verdict !== 'resolved')
      throw new Error(`${name}: honest fix graded ${grade.verdict}`);
    return ms;
  } finally {
    await ws.dispose();
  }
}

let sumA = 0;
let sumB = 0;
for (const name of names) {
  const dir = writeFixture(name, join(process.cwd(), 'node_modules'));
  try {
    await once(dir, name, sandboxTestRunner); // warm-up (caches, page cache)
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < reps; i++) {
      a.push(await once(dir, name, before));
      b.push(await once(dir, name, sandboxTestRunner));
      b.push(await once(dir, name, sandboxTestRunner));
      a.push(await once(dir, name, before));
    }
    const mean = (x: number[]) => x.reduce((s, v) => s + v, 0) / x.length;
    sumA += mean(a);
    sumB += mean(b);
    console.log(
      `${name.padEnd(7)} before ${mean(a).toFixed(0)} ms  sealed ${mean(b).toFixed(0)} ms  ratio ${(mean(b) / mean(a)).toFixed(2)}x`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(
  `all     before ${sumA.toFixed(0)} ms  sealed ${sumB.toFixed(0)} ms  ratio ${(sumB / sumA).toFixed(2)}x (sum of per-runner means, sandbox ${kind})`,
);

// Grading, hardened (issue 11) against the grading of before (restore the tests in the
// agent's workspace, run them with the unsigned reporter writing into the workspace), in
// the same run: (1) time to grade a fixed workspace, interleaved, per task and overall
// (goal: ratio <= 1.2); (2) how many scripted attackers each grader calls resolved (the
// agents run once; both graders judge the same workspaces).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ATTACKERS, attackerSpec } from '../src/gym/grade/attackers.js';
import { type GradeSpec, gradeWorkspace } from '../src/gym/grade.js';
import { applyPatch } from '../src/gym/patch.js';
import { factoryTasks, sampleTasks } from '../src/gym/test-utils.js';
import { sandboxTestRunner } from '../src/gym/testrun.js';
import {
  agentFiles,
  createWorkspace,
  type GymTask,
  testFileContents,
} from '../src/gym/workspace.js';
import { runAgent } from '../src/harness/agent.js';
import { createModel } from '../src/providers/spec.js';
import { bwrapAvailable, createSandbox } from '../src/sandbox/index.js';
import type { Sandbox } from '../src/sandbox/types.js';
import { pickParse } from '../src/tasks/run/spawn.js';

const kind = bwrapAvailable().ok ? 'bwrap' : 'none';
const all: GymTask[] = [...sampleTasks(), ...factoryTasks()];
// Timing: JS stage 1 and 2, factory JS and TS (a TS run is ~3x a JS one: tsx).
const timed = [all[0], all[4], all[6], all[8]];

// The grading of before, kept here only to measure against: tests written back in the
// agent's workspace, the factory's unsigned reporter writing into it, verdict from its lines.
const OLD_REPORTER = fileURLToPath(new URL('../src/tasks/run/reporter.js', import.meta.url));
async function legacyGrade(sandbox: Sandbox, spec: GradeSpec): Promise<boolean> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { dirname } = await import('node:path');
  for (const [path, content] of Object.entries(spec.testFiles)) {
    const abs = join(sandbox.root, path);
    await rm(abs, { force: true, recursive: true });
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, content);
  }
  const events = join(sandbox.root, '.loopsmith', 'grade-events.jsonl');
  await mkdir(dirname(events), { recursive: true });
  await rm(events, { force: true });
  const r = await sandbox.exec(spec.testCmd, {
    timeoutMs: 60_000,
    maxOutputBytes: 8 << 20,
    env: {
      NODE_OPTIONS: `--test-reporter=${OLD_REPORTER} --test-reporter-destination=${events}`,
      CI: '1',
    },
  });
  const text = await readFile(events, 'utf8').catch(() => '');
  const p = pickParse(text, r.output, sandbox.workdir);
  const ok = (id: string) => p.tests[id] === 'pass';
  const anyFail = Object.values(p.tests).includes('fail');
  const invalid = r.timedOut || Object.keys(p.tests).length === 0 || (r.exitCode !== 0 && !anyFail);

  return !invalid && spec.failToPass.every(ok) && spec.passToPass.every(ok);
}

const specOf = (gt: GymTask): GradeSpec => ({
  testCmd: gt.task.testCmd,
  failToPass: gt.task.failToPass,
  passToPass: gt.task.passToPass,
  testFiles: testFileContents(gt),
  startFiles: agentFiles(gt),
  repoFiles: { ...agentFiles(gt), ...testFileContents(gt) },
});

// (1) time, interleaved old/new on the gold-fixed workspace of each task.
const REPS = 4;
const times = { old: 0, new: 0 };
const perTask: string[] = [];
for (const gt of timed) {
  const fixed = applyPatch(agentFiles(gt), gt.task.goldPatch);
  const t = { old: 0, new: 0 };
  for (let i = 0; i < REPS; i++) {
    // ABBA order, so drift in the machine's load hits both alike.
    for (const which of i % 2 ? (['new', 'old'] as const) : (['old', 'new'] as const)) {
      const ws = await createWorkspace(fixed);
      try {
        const sb = createSandbox(kind, ws.root);
        const t0 = performance.now();
        const ok =
          which === 'old'
            ? await legacyGrade(sb, specOf(gt))
            : (await gradeWorkspace(sb, specOf(gt), sandboxTestRunner)).grade.resolved;
        t[which] += performance.now() - t0;
        if (!ok)
          throw new Error(`${which} grading did not resolve the gold patch of ${gt.task.id}`);
      } finally {
        await ws.dispose();
      }
    }
  }
  times.old += t.old;
  times.new += t.new;
  perTask.push(
    `${gt.task.id.slice(0, 8)} ${(t.old / REPS).toFixed(0)}/${(t.new / REPS).toFixed(0)}`,
  );
}
const n = timed.length * REPS;
console.log(
  `grading a fixed workspace (${kind}, ${timed.length} tasks x ${REPS}, ms before/hardened): ${perTask.join(', ')}`,
);
console.log(
  `mean: before ${(times.old / n).toFixed(0)} ms, hardened ${(times.new / n).toFixed(0)} ms, ratio ${(times.new / times.old).toFixed(2)}x (goal <= 1.2x)`,
);

// (2) attackers: the agent runs once per attacker; the hardened grader (which only reads the
// workspace) judges first, then the old one (which restores the tests in place).
const dir = await mkdtemp(join(tmpdir(), 'loopsmith-grade-bench-'));
const resolved = { old: 0, new: 0 };
let runs = 0;
try {
  for (const [i, a] of ATTACKERS.entries()) {
    const gt = all[i % all.length];
    const ws = await createWorkspace(agentFiles(gt));
    try {
      const sb = createSandbox(kind, ws.root);
      await runAgent(gt.task.statement, await createModel(await attackerSpec(a, dir)), sb);
      if ((await gradeWorkspace(sb, specOf(gt), sandboxTestRunner)).grade.resolved) {
        resolved.new++;
        console.log(`  hardened: ${a.name} resolved ${gt.task.id}`);
      }
      if (await legacyGrade(sb, specOf(gt))) {
        resolved.old++;
        console.log(`  before: ${a.name} resolved ${gt.task.id}`);
      }
    } finally {
      await ws.dispose();
    }
    runs++;
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
console.log(
  `attackers graded resolved: before ${resolved.old}/${runs}, hardened ${resolved.new}/${runs}`,
);

// Small validated tasks for the gym's own tests and benchmarks, made without the task
// factory's pipeline: a generated JS repo, a one-line operator/constant mutation (stage 1)
// or two of them in two modules (stage 2), each kept only when running the real tests
// shows F2P >= 1 and P2P >= 1. Validation runs the same node:test runner grading uses.
import { createHash } from 'node:crypto';
import { createSandbox } from '../sandbox/index.js';
import { Rng } from '../tasks/rng.js';
import { isHiddenTestFile, withoutHiddenFiles } from '../tasks/run/describe.js';
import { generateRepo } from '../tasks/synth/index.js';
import type { RepoSnapshot, Task } from '../tasks/types.js';
import { sandboxTestRunner } from './testrun.js';
import { createWorkspace, type GymTask } from './workspace.js';

const SWAPS: [RegExp, string][] = [
  [/ < /, ' <= '],
  [/ > /, ' >= '],
  [/ <= /, ' < '],
  [/ >= /, ' > '],
  [/ \+ /, ' - '],
  [/ - /, ' + '],
  [/ === /, ' !== '],
  [/ \* /, ' / '],
  [/ && /, ' || '],
  [/\b1\b/, '2'],
  [/\b0\b/, '1'],
];

interface Mutation {
  file: string;
  line: number;
  before: string;
  after: string;
}

/** Unified diff of one file whose changed lines are contiguous (what these mutations make). */
export function lineDiff(path: string, before: string, after: string): string {
  // A final newline ends the last line; it is not an empty line of its own (as in git).
  const a = before.replace(/\n$/, '').split('\n');
  const b = after.replace(/\n$/, '').split('\n');
  let lo = 0;
  while (lo < a.length && a[lo] === b[lo]) lo++;
  let ea = a.length - 1;
  let eb = b.length - 1;
  while (ea >= lo && eb >= lo && a[ea] === b[eb]) {
    ea--;
    eb--;
  }
  const from = Math.max(0, lo - 3);
  const toA = Math.min(a.length - 1, ea + 3);
  const toB = toA - ea + eb;
  const body = [
    ...a.slice(from, lo).map((l) => ` ${l}`),
    ...a.slice(lo, ea + 1).map((l) => `-${l}`),
    ...b.slice(lo, eb + 1).map((l) => `+${l}`),
    ...a.slice(ea + 1, toA + 1).map((l) => ` ${l}`),
  ];
  return `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n@@ -${from + 1},${toA - from + 1} +${from + 1},${toB - from + 1} @@\n${body.join('\n')}\n`;
}

function candidates(repo: RepoSnapshot, rng: Rng): Mutation[] {
  const out: Mutation[] = [];
  for (const [file, text] of Object.entries(repo.files)) {
    if (!file.startsWith('src/') || repo.testFiles.includes(file)) continue;
    text.split('\n').forEach((line, i) => {
      if (/^\s*(\*|\/\/|\/\*|import )/.test(line)) return;
      for (const [re, rep] of SWAPS)
        if (re.test(line)) out.push({ file, line: i, before: line, after: line.replace(re, rep) });
    });
  }
  // Seeded Fisher-Yates: a different seed tries candidates in a different order.
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function mutate(files: Record<string, string>, ms: Mutation[]): Record<string, string> {
  const out = { ...files };
  for (const m of ms) {
    const lines = out[m.file].split('\n');
    lines[m.line] = m.after;
    out[m.file] = lines.join('\n');
  }
  return out;
}

async function runTests(files: Record<string, string>, testCmd: string) {
  const ws = await createWorkspace(files, { prefix: 'loopsmith-sample-' });
  try {
    return await sandboxTestRunner.run(createSandbox('none', ws.root), testCmd, {
      timeoutMs: 30_000,
    });
  } finally {
    await ws.dispose();
  }
}

/** Builds one validated task of `stage` from generator seed `seed` (throws when no mutation validates). */
export async function sampleTask(
  seed: number,
  stage: 1 | 2 = 1,
  opts: { hiddenCases?: number } = {},
): Promise<GymTask> {
  const repo = generateRepo(seed, {
    language: 'js',
    modules: 2,
    functionsPerModule: 3,
    depth: 1,
    hiddenCases: opts.hiddenCases ?? 0,
  });
  const shownCmd = withoutHiddenFiles(repo.testCmd, repo.testFiles);
  const clean = await runTests(repo.files, repo.testCmd);
  const cleanPass = Object.keys(clean.tests).filter((id) => clean.tests[id] === 'pass');
  if (cleanPass.length === 0)
    throw new Error(`sample task ${seed}: the clean repo has no passing test`);
  const rng = new Rng(seed);
  const pool = candidates(repo, rng);
  const chosen: Mutation[] = [];
  let f2p: string[] = [];
  let p2p: string[] = [];
  for (const m of pool) {
    if (stage === 2 && chosen.length === 1 && chosen[0].file === m.file) continue;
    const tryMs = [...chosen, m];
    const run = await runTests(mutate(repo.files, tryMs), repo.testCmd);
    const fail = cleanPass.filter((id) => run.tests[id] !== 'pass');
    const keep = cleanPass.filter((id) => run.tests[id] === 'pass');
    if (fail.length <= f2p.length || keep.length === 0 || run.timedOut) continue;
    chosen.push(m);
    [f2p, p2p] = [fail, keep];
    if (chosen.length === stage) break;
  }
  if (chosen.length < stage)
    throw new Error(`sample task ${seed}: no stage-${stage} mutation validated`);
  const buggy = mutate(repo.files, chosen);
  const files = [...new Set(chosen.map((m) => m.file))].sort();
  const bugPatch = files.map((f) => lineDiff(f, repo.files[f], buggy[f])).join('');
  const goldPatch = files.map((f) => lineDiff(f, buggy[f], repo.files[f])).join('');
  const failing = f2p
    .filter((id) => !isHiddenTestFile(id.split(' > ')[0]))
    .map((id) => id.split(' > ').slice(1).join(' > '));
  const task: Task = {
    id: createHash('sha256').update(`${repo.repoId}\n${bugPatch}`).digest('hex').slice(0, 16),
    repoId: repo.repoId,
    family: stage === 1 ? 'bugfix' : 'multifile',
    stage,
    split: 'train',
    bugs: chosen.map((m) => ({
      kind: 'op_change',
      file: m.file,
      edits: [],
      description: `${m.before.trim()} -> ${m.after.trim()}`,
    })),
    bugPatch,
    goldPatch,
    failToPass: f2p,
    passToPass: p2p,
    statement: `Some tests fail: ${failing.slice(0, 3).join('; ')}. Run \`${shownCmd}\` and fix the code (not the tests).`,
    statementStyle: 'test_names',
    visibleTests: repo.testFiles.filter((f) => !isHiddenTestFile(f)),
    features: { bugs: chosen.length, files: files.length },
    difficulty: stage,
    testCmd: repo.testCmd,
    createdAt: new Date(0).toISOString(),
  };
  return { task, repo };
}

// Fixture run outputs for the report's tests: two training stages (metrics.jsonl +
// manifest.json as src/train writes them) and two eval runs of the same suite (eval.json,
// tasks.jsonl, rollouts/) whose records are made by hand, so the expected figures are known.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RolloutRecord } from '../gym/rollout.js';
import type { TaskMeta } from './metrics.js';
import type { EvalInfo } from './run.js';

function record(taskId: string, k: number, resolved: boolean, tokens: number): RolloutRecord {
  return {
    format: 'loopsmith.rollout/1',
    taskId,
    stage: 1,
    k,
    seed: k,
    model: 'fixture',
    status: resolved ? 'submitted' : 'turn_limit',
    turns: 1,
    cutByLimit: !resolved,
    usage: {
      promptTokens: tokens - 50,
      completionTokens: 50,
      cachedTokens: 0,
      totalTokens: tokens,
      estimated: true,
    },
    grade: {
      resolved,
      f2pPassed: resolved ? 1 : 0,
      f2pTotal: 1,
      p2pPassed: 1,
      p2pTotal: 1,
      f2pFraction: resolved ? 1 : 0,
      p2pFraction: 1,
      f2pFailing: resolved ? [] : ['t > f2p'],
      p2pFailing: [],
      testExitCode: resolved ? 0 : 1,
      testMs: 5,
    },
    reward: {
      reward: resolved ? 1 : 0,
      resolved: resolved ? 1 : 0,
      tokenPenalty: 0,
      totalTokens: tokens,
    },
    timings: {
      materializeMs: 1,
      agentMs: 10,
      modelMs: 5,
      toolMs: 3,
      bashMs: 2,
      harnessMs: 2,
      gradeMs: 5,
      totalMs: 16,
    },
    trajectory: {
      messages: [
        { role: 'system', content: 's' },
        { role: 'user', content: 'u' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'c', type: 'function', function: { name: 'finish', arguments: '{}' } },
          ],
        },
      ],
      turns: [{ turn: 1, messageIndex: 2, usage: {}, modelMs: 5, tools: [] }],
      diff: resolved ? 'diff --git a/x b/x\n' : '',
    } as unknown as RolloutRecord['trajectory'],
  };
}

/** Writes an eval run: `wins[i]` says whether task i resolved, tokens grow with i. */
async function evalRun(dir: string, label: string, wins: boolean[], tokenScale: number) {
  const meta: TaskMeta[] = wins.map((_, i) => ({
    id: `task${i}`,
    repoId: `repo${i % 4}`,
    stage: i % 3 === 0 ? 2 : 1,
    family: 'bugfix',
    kinds: [i % 2 ? 'op_change' : 'op_flip'],
    difficulty: (i % 10) / 10,
    language: i % 5 === 0 ? 'ts' : 'js',
    split: 'eval',
    failToPass: ['t > f2p'],
    passToPass: ['t > p2p'],
  }));
  const info: EvalInfo = {
    format: 'loopsmith.eval/1',
    suite: { kind: 'store', path: '/fixtures/tasks.db' },
    suiteHash: 'fixturesuite0001',
    model: `local:${label}`,
    label,
    seed: 0,
    n: 1,
    sampling: { temperature: 0, topP: null },
  };
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'eval.json'), JSON.stringify(info));
  await writeFile(join(dir, 'tasks.jsonl'), meta.map((m) => `${JSON.stringify(m)}\n`).join(''));
  for (const [i, w] of wins.entries()) {
    await mkdir(join(dir, 'rollouts', `task${i}`), { recursive: true });
    await writeFile(
      join(dir, 'rollouts', `task${i}`, '0.json'),
      JSON.stringify(record(`task${i}`, 0, w, Math.round(tokenScale * (800 + 97 * i)))),
    );
  }
}

/** A pipeline-like folder: stages/{01-pretrain,04-mid2}, evals/{a-harness,b-offline}. */
export async function writeFixtureRuns(root: string): Promise<{ root: string }> {
  const stages: [string, string, number][] = [
    ['01-pretrain', 'pretrain', 6],
    ['04-mid2', 'mid2', 3],
  ];
  for (const [dir, stage, start] of stages) {
    const d = join(root, 'stages', dir);
    await mkdir(d, { recursive: true });
    const lines = Array.from({ length: 30 }, (_, i) => ({
      stage,
      step: i + 1,
      tokens: (i + 1) * 2048,
      train_loss: start * Math.exp(-i / 12) + 1,
      ...((i + 1) % 10 === 0 ? { heldout_loss: start * Math.exp(-i / 12) + 1.3 } : {}),
      lr: 0.003,
      tokens_per_s: 2500,
      elapsed_s: (i + 1) * 0.8,
    }));
    await writeFile(join(d, 'metrics.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    await writeFile(join(d, 'manifest.json'), JSON.stringify({ stage, complete: true }));
  }
  const n = 20;
  await evalRun(
    join(root, 'evals', 'a-harness'),
    'A harness',
    Array.from({ length: n }, (_, i) => i % 4 !== 3),
    1,
  );
  await evalRun(
    join(root, 'evals', 'b-offline'),
    'B offline',
    Array.from({ length: n }, (_, i) => i % 3 === 0),
    1.6,
  );
  return { root };
}

// A scripted RL environment for tests and quick checks: one model call per rollout through
// the real local provider (the one chat template, exact sampled ids + logprobs), rewarded 1
// when the reply calls the tool `good` and 0 when it calls `bad` or nothing. Rollouts are
// files in the run directory, as the gym writes them, so a killed step resumes the same way.
// `warmToy` trains a tiny model to pick either tool about half the time: the frontier.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { computeReward, type Grade } from '../gym/grade.js';
import { type RolloutRecord, rolloutSeed } from '../gym/rollout.js';
import { padRows } from '../lm/batch.js';
import type { LoadedModel } from '../lm/checkpoint.js';
import { deriveConfig } from '../lm/config.js';
import { initModel } from '../lm/model.js';
import { ChatTemplate } from '../lm/template.js';
import { Trainer } from '../lm/trainer.js';
import type { Message, ToolSchema } from '../messages.js';
import type { RlEnv } from './rl-env.js';

/** RL settings that move the toy policy within a few steps. */
export const TOY_RL = {
  group: 8,
  tasksPerStep: 2,
  lr: 1e-3,
  callTokens: 40,
  evalEvery: 3,
};

const tool = (name: string): ToolSchema => ({
  type: 'function',
  function: { name, description: `${name} tool`, parameters: { type: 'object', properties: {} } },
});
export const TOY_TOOLS: ToolSchema[] = [tool('good'), tool('bad')];

const prompt = (id: string): Message[] => [
  { role: 'system', content: 'Pick a tool.' },
  { role: 'user', content: `Task ${id}.` },
];

const call = (name: string) => ({
  role: 'assistant' as const,
  content: null,
  tool_calls: [{ id: 'c0', type: 'function' as const, function: { name, arguments: '{}' } }],
});

/** A tiny model trained for a moment on both replies, so it calls either about as often. */
export function warmToy(seed = 0, steps = 40): LoadedModel {
  const cfg = deriveConfig(1, { dim: 32, nHeads: 1, vocabSize: 266, maxSeqLen: 320 });
  const model = initModel(cfg, seed);
  const t = new ChatTemplate(model.tokenizer);
  const rows = ['t0', 't1', 't2', 't3'].flatMap((id) =>
    ['good', 'bad'].map((n) => t.renderChat([...prompt(id), call(n)], TOY_TOOLS)),
  );
  const tr = new Trainer(model, {
    seed,
    optim: { lr: 1e-2, warmupSteps: 5, totalSteps: steps, weightDecay: 0 },
  });
  const T = Math.max(...rows.map((r) => r.ids.length)) - 1;
  const batch = padRows(rows, T, 0);
  for (let i = 0; i < steps; i++) tr.trainStep([batch]);
  return model;
}

const grade = (ok: boolean): Grade => ({
  resolved: ok,
  f2pPassed: ok ? 1 : 0,
  f2pTotal: 1,
  p2pPassed: 0,
  p2pTotal: 0,
  f2pFraction: ok ? 1 : 0,
  p2pFraction: 0,
  f2pFailing: ok ? [] : ['good was called'],
  p2pFailing: [],
  testExitCode: ok ? 0 : 1,
  testMs: 0,
});

/** The toy environment: train tasks t0..t3, held-out e0..e1; `slowMs` per rollout for kill tests. */
export function toyEnv(opts: { slowMs?: number } = {}): RlEnv {
  return {
    train: ['t0', 't1', 't2', 't3'],
    eval: ['e0', 'e1'],
    async run(ids, r) {
      const out: RolloutRecord[] = [];
      for (const id of ids)
        for (let k = 0; k < r.n; k++) {
          const path = join(r.outDir, 'rollouts', id, `${k}.json`);
          if (existsSync(path)) {
            out.push(JSON.parse(readFileSync(path, 'utf8')));
            continue;
          }
          const seed = rolloutSeed(r.seed, id, k);
          const model = r.makeModel(id, k, seed);
          const t0 = performance.now();
          const res = await model
            .complete({ messages: prompt(id), tools: TOY_TOOLS })
            .finally(() => model.close?.());
          const ms = performance.now() - t0;
          if (opts.slowMs) await sleep(opts.slowMs);
          const ok = res.message.tool_calls?.[0]?.function.name === 'good';
          const usage = {
            promptTokens: res.usage.promptTokens,
            completionTokens: res.usage.completionTokens,
            cachedTokens: 0,
            totalTokens: res.usage.promptTokens + res.usage.completionTokens,
            estimated: false,
          };
          const g = grade(ok);
          const rec = {
            format: 'loopsmith.rollout/1',
            taskId: id,
            stage: 1,
            k,
            seed,
            model: model.id,
            status: 'submitted',
            turns: 1,
            cutByLimit: false,
            usage,
            grade: g,
            reward: computeReward(g, usage.totalTokens, { tokenCostPer1k: r.tokenCostPer1k }),
            timings: {
              materializeMs: 0,
              agentMs: ms,
              modelMs: ms,
              toolMs: 0,
              bashMs: 0,
              harnessMs: 0,
              gradeMs: 0,
              totalMs: ms,
            },
            trajectory: {
              messages: [...prompt(id), res.message],
              tools: TOY_TOOLS,
              turns: [
                {
                  turn: 1,
                  messageIndex: 2,
                  usage: res.usage,
                  modelMs: ms,
                  tools: [],
                  ...(res.tokens ? { tokens: res.tokens } : {}),
                },
              ],
              status: 'submitted',
              usage,
            },
          } as unknown as RolloutRecord;
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(`${path}.tmp`, JSON.stringify(rec));
          renameSync(`${path}.tmp`, path);
          out.push(rec);
        }
      return out;
    },
  };
}

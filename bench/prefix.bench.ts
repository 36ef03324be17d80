// Prefix KV reuse across turns: the wall time of a harness episode's model calls with the
// worker's prefix cache on and off, in the same run, for `lm init` checkpoints of depth 2
// and 4 (random weights; a tokenizer trained on the harness sources, as local.test does).
// The episode is real (runAgent, the one chat template, sandbox none, a one-file repo);
// greedy, so both runs produce the same tokens (checked) and time the same work. Each
// call's time is measured around Model.complete; prompt tokens grow to ~2,000 by turn 10.
// Usage: node dist/bench/prefix.bench.js [turns, default 10] [maxTokens per turn, default 96]
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAgent } from '../src/harness/agent.js';
import { deriveConfig } from '../src/lm/config.js';
import { GenerationWorker } from '../src/lm/generate-worker.js';
import { initModel } from '../src/lm/model.js';
import { trainTokenizer } from '../src/lm/tokenizer.js';
import { localModelFrom } from '../src/providers/local.js';
import type { Model } from '../src/providers/model.js';
import { createSandbox } from '../src/sandbox/index.js';

const turns = Number(process.argv[2] ?? 10);
const maxTokens = Number(process.argv[3] ?? 96);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const dir = mkdtempSync(join(tmpdir(), 'loopsmith-prefix-bench-'));
const tok = trainTokenizer(
  ['harness/session.ts', 'harness/prompt.ts', 'messages.ts'].map((f) =>
    readFileSync(`src/${f}`, 'utf8'),
  ),
  1200,
);

interface Run {
  ms: number[];
  prompt: number[];
  tokens: string;
}

async function episode(model: ReturnType<typeof initModel>, prefixCacheMB: number): Promise<Run> {
  // One workspace path for every run: the system prompt shows it.
  const root = join(dir, 'ws');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root);
  writeFileSync(join(root, 'a.js'), 'export const add = (a, b) => a - b;\n');
  const worker = new GenerationWorker(model, { prefixCacheMB });
  const run: Run = { ms: [], prompt: [], tokens: '' };
  try {
    await worker.generate([1, 2, 3], { maxTokens: 2 }); // thread start-up is not timed
    const inner = localModelFrom(model, 'local:bench', { maxTokens, temperature: 0, worker });
    const timed: Model = {
      ...inner,
      async complete(req) {
        const t0 = performance.now();
        const r = await inner.complete(req);
        run.ms.push(performance.now() - t0);
        run.prompt.push(r.usage.promptTokens);
        return r;
      },
    };
    const t = await runAgent('Fix add in a.js.', timed, createSandbox('none', root), {
      maxTurns: turns,
      maxFormatErrors: turns + 1,
    });
    // Ids only: logprobs agree up to rounding (a reused prefix runs through other kernels).
    run.tokens = JSON.stringify(t.turns.map((x) => [x.tokens?.promptIds, x.tokens?.completionIds]));
  } finally {
    await worker.close();
  }
  return run;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
try {
  console.log(
    `episode: ${turns} turns, <= ${maxTokens} tokens a reply, greedy; load average ${load()}`,
  );
  for (const depth of [2, 4]) {
    const model = initModel(
      deriveConfig(depth, { vocabSize: tok.vocabSize, maxSeqLen: 4096 }),
      1,
      tok,
    );
    // Alternate, best of two each: the machine is shared.
    const runs: Record<'on' | 'off', Run[]> = { on: [], off: [] };
    for (let r = 0; r < 2; r++) {
      runs.off.push(await episode(model, 0));
      runs.on.push(await episode(model, 256));
    }
    const best = (rs: Run[]) => rs.reduce((a, b) => (sum(a.ms) <= sum(b.ms) ? a : b));
    const on = best(runs.on);
    const off = best(runs.off);
    const same = [...runs.on, ...runs.off].every((x) => x.tokens === off.tokens);
    console.log(
      `depth ${depth}: ${off.ms.length} calls, prompts ${off.prompt[0]}..${off.prompt.at(-1)} tokens; model time without reuse ${sum(off.ms).toFixed(0)} ms, with ${sum(on.ms).toFixed(0)} ms: ${(sum(off.ms) / sum(on.ms)).toFixed(2)}x; last call ${off.ms.at(-1)?.toFixed(0)} vs ${on.ms.at(-1)?.toFixed(0)} ms; same tokens: ${same}`,
    );
  }
  console.log(`load average after: ${load()}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

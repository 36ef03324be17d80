import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveConfig } from './config.js';
import { GenerationWorker } from './generate-worker.js';
import { generate, generateGroup, initModel } from './model.js';

const model = initModel(deriveConfig(2, { vocabSize: 512, maxSeqLen: 1024 }), 3);
for (let i = 0; i < model.paramSet.flat.length; i++) model.paramSet.flat[i] *= 4;
const prompt = [3, 17, 200, 45, 9, 77];

test('the worker returns exactly the ids and logprobs generation gives in-thread', async () => {
  // Without prefix reuse: a reused prefix is computed by other kernels (equal up to rounding).
  const w = new GenerationWorker(model, { prefixCacheMB: 0 });
  try {
    const opts = { maxTokens: 24, temperature: 1, topP: 0.95, seed: 9, stopIds: [5] };
    assert.deepEqual(await w.generateGroup(prompt, 4, opts), generateGroup(model, prompt, 4, opts));
    const greedy = { maxTokens: 16, temperature: 0 };
    assert.deepEqual(await w.generate(prompt, greedy), generate(model, prompt, greedy));
    // Training changes the weights in place: a stale copy differs, a synced one matches.
    const before = generate(model, prompt, greedy);
    const saved = model.paramSet.flat.slice();
    for (let i = 0; i < model.paramSet.flat.length; i += 3) model.paramSet.flat[i] *= -1;
    const after = generate(model, prompt, greedy);
    assert.notDeepEqual(after.ids, before.ids);
    assert.deepEqual((await w.generate(prompt, greedy)).ids, before.ids);
    await w.syncWeights();
    assert.deepEqual(await w.generate(prompt, greedy), after);
    model.paramSet.flat.set(saved);
    await w.syncWeights();
    assert.deepEqual(await w.generate(prompt, greedy), before);
  } finally {
    await w.close();
  }
});

test('concurrent requests are decoded in one batch and each equals its in-thread result', async () => {
  const w = new GenerationWorker(model);
  try {
    const reqs = [
      { p: prompt, G: 3, o: { maxTokens: 30, temperature: 1, seed: 1, stopIds: [5, 9] } },
      { p: [1, 2, 3], G: 1, o: { maxTokens: 12, temperature: 0 } },
      {
        p: Array.from({ length: 40 }, (_, i) => (i * 7) % 512),
        G: 2,
        o: { maxTokens: 25, temperature: 0.7, topP: 0.9, seed: 3 },
      },
    ];
    const got = await Promise.all(reqs.map((r) => w.generateGroup(r.p, r.G, r.o)));
    const st = await w.stats();
    // 6 sequences of up to 30 tokens: batched, far fewer steps than rows.
    assert.ok(st.steps <= 30 && st.rows / st.steps > 2, JSON.stringify(st));
    reqs.forEach((r, i) => {
      const want = generateGroup(model, r.p, r.G, r.o);
      got[i].forEach((g, s) => {
        assert.deepEqual(g.ids, want[s].ids, `request ${i} sequence ${s}`);
        assert.equal(g.finishReason, want[s].finishReason);
        g.logprobs.forEach((x, k) => {
          assert.ok(Math.abs(x - want[s].logprobs[k]) < 1e-4);
        });
      });
    });
  } finally {
    await w.close();
  }
});

test('the event loop keeps running while the worker generates', async () => {
  const w = new GenerationWorker(model);
  const opts = { maxTokens: 400, temperature: 1, seed: 1 };
  try {
    await w.generate(prompt, { maxTokens: 2 }); // thread start-up is not what we time
    const ticks: number[] = [];
    const timer = setInterval(() => ticks.push(performance.now()), 5);
    const t0 = performance.now();
    const r = await w.generateGroup(prompt, 2, opts);
    const t1 = performance.now();
    clearInterval(timer);
    assert.equal(r[0].ids.length, 400);
    const ms = t1 - t0;
    // The in-thread call for comparison: no timer can fire while it runs.
    const ticksBefore = ticks.length;
    const timer2 = setInterval(() => ticks.push(performance.now()), 5);
    generateGroup(model, prompt, 2, opts);
    clearInterval(timer2);
    assert.equal(ticks.length, ticksBefore, 'in-thread generation blocks the loop');
    // On a loaded machine timers run late, but they run: at least one per 50 ms of generation.
    assert.ok(ticksBefore >= Math.floor(ms / 50), `${ticksBefore} ticks in ${ms.toFixed(0)} ms`);
    let gap = 0;
    for (let i = 1; i < ticksBefore; i++) gap = Math.max(gap, ticks[i] - ticks[i - 1]);
    assert.ok(gap < Math.max(250, ms / 2), `longest gap between ticks ${gap.toFixed(0)} ms`);
  } finally {
    await w.close();
  }
});

test('bad requests are rejected with one-line errors; a closed worker refuses work', async () => {
  const w = new GenerationWorker(model);
  const oneLine = (re: RegExp) => (e: Error) => re.test(e.message) && !e.message.includes('\n');
  await assert.rejects(w.generate(prompt, { topP: 2 }), oneLine(/topP must be in \(0, 1\]/));
  await assert.rejects(w.generateGroup(prompt, 0), oneLine(/group size must be an integer/));
  // Checked on the thread: the error comes back, the worker keeps serving.
  await assert.rejects(w.generate([1, 9999]), oneLine(/token id 9999 is outside the vocabulary/));
  assert.equal((await w.generate(prompt, { maxTokens: 3 })).ids.length, 3);
  await w.close();
  await assert.rejects(w.generate(prompt), /generation worker closed/);
});

test('a streamed request gets each token as sampled, the same ids as unstreamed, before the reply', async () => {
  const w = new GenerationWorker(model);
  try {
    const opts = { maxTokens: 60, temperature: 1, seed: 4 };
    const seen: { id: number; seq: number; at: number }[] = [];
    let replied = Number.POSITIVE_INFINITY;
    const got = await w
      .generateGroup(prompt, 2, opts, {
        onToken: (id, seq) => seen.push({ id, seq, at: performance.now() }),
      })
      .finally(() => {
        replied = performance.now();
      });
    assert.deepEqual(got, generateGroup(model, prompt, 2, opts));
    for (const s of [0, 1])
      assert.deepEqual(
        seen.filter((x) => x.seq === s).map((x) => x.id),
        got[s].ids,
      );
    assert.ok(seen.every((x) => x.at <= replied));
    // Tokens arrive over the generation, not in one burst at its end.
    assert.ok(seen[0].at < seen[seen.length - 1].at);
  } finally {
    await w.close();
  }
});

test('cancelling drops the sequence from the batch at once; the others go on unchanged', async () => {
  const w = new GenerationWorker(model);
  try {
    const stay = { maxTokens: 200, temperature: 1, seed: 8 };
    const ac = new AbortController();
    let tokens = 0;
    const cancelled = w.generate(
      prompt,
      { maxTokens: 800, temperature: 1, seed: 2 },
      {
        signal: ac.signal,
        onToken: () => {
          if (++tokens === 20) ac.abort(new Error('stop now'));
        },
      },
    );
    const other = w.generate([1, 2, 3], stay);
    await assert.rejects(cancelled, /stop now/);
    assert.deepEqual(await other, generate(model, [1, 2, 3], stay));
    // Rows decoded: 200 for the other request, ~20 for the cancelled one plus a few for
    // messages in flight; without the cancel it would have gone on beside the other (400).
    const st = await w.stats();
    assert.ok(st.rows < 260, JSON.stringify(st));
    assert.equal(tokens, 20, 'no token is delivered after the cancel');
    // An already-aborted signal sends nothing.
    await assert.rejects(
      w.generate(prompt, {}, { signal: AbortSignal.abort(new Error('no')) }),
      /no/,
    );
    assert.equal((await w.stats()).steps, st.steps);
  } finally {
    await w.close();
  }
});

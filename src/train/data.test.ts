// The stages' data builders on small inputs: corpus, packing, drills, and the eval-split guard.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ChatTemplate } from '../lm/template.js';
import { trainTokenizer } from '../lm/tokenizer.js';
import { generateRepo } from '../tasks/synth/index.js';
import { buildCorpus, CORPUS_DEFAULTS, looksGenerated } from './corpus.js';
import { DRILL_KINDS, makeDrills } from './drills.js';
import { cutAtTurn, pack, rowsToBatch } from './packing.js';

test('corpus: generated repos minus excluded ones, local code deduplicated, minified dropped, held-out split stable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'corpus-'));
  const body = `export function f(x) {\n  return x + 1;\n}\n${'// padding line\n'.repeat(20)}`;
  writeFileSync(join(dir, 'a.js'), body);
  writeFileSync(join(dir, 'b.js'), body); // duplicate
  writeFileSync(join(dir, 'c.min.js'), `${'var a=1;'.repeat(100)}\n`);
  writeFileSync(join(dir, 'd.js'), `${'x'.repeat(3000)}\n${body}`); // one huge line: generated
  const excluded = generateRepo(3).repoId;
  const spec = {
    ...CORPUS_DEFAULTS,
    synthSeeds: [1, 2, 3, 4],
    localRoots: [dir],
    excludeRepos: [excluded],
    heldoutFraction: 0.3,
  };
  const c = buildCorpus(spec);
  assert.equal(c.info.synth_repos, 3);
  assert.equal(c.info.excluded_repos, 1);
  assert.equal(c.info.local_docs, 1);
  assert.equal(c.info.dropped_duplicate, 1);
  assert.equal(c.info.dropped_minified, 2);
  const all = [...c.train, ...c.heldout];
  assert.equal(all.length, 4);
  assert.ok(
    !all.some((d) => d.source.includes(excluded)),
    'an excluded repo leaked into the corpus',
  );
  assert.ok(c.heldout.length >= 1);
  assert.deepEqual(
    buildCorpus(spec).heldout.map((d) => d.source),
    c.heldout.map((d) => d.source),
  );
  assert.equal(looksGenerated('x.js', 'const a = 1;\n'), false);
});

test('packing: cut at the last assistant turn that fits, drop, first-fit rows, masks shifted into targets', () => {
  // [bos, u, u, A, A, end(t), u, A, A] : assistant tokens at 3,4 and 7,8
  const conv = { ids: [0, 1, 2, 3, 4, 5, 6, 7, 8], mask: [0, 0, 0, 1, 1, 0, 0, 1, 1] };
  assert.deepEqual(cutAtTurn(conv, 7)?.ids, [0, 1, 2, 3, 4]);
  assert.equal(cutAtTurn({ ids: [0, 1, 2, 3], mask: [0, 0, 1, 1] }, 3), null);
  const cut = pack([conv], 6, 'cut');
  assert.equal(cut.report.cut, 1);
  assert.equal(cut.rows[0].ids.length, 5);
  const drop = pack([conv], 6, 'drop');
  assert.equal(drop.report.dropped, 1);
  assert.equal(drop.rows.length, 0);
  const small = { ids: [0, 1, 2], mask: [0, 1, 1] };
  const p = pack([small, small, small], 6, 'drop');
  assert.equal(p.rows.length, 2, 'two conversations share a row of 7 tokens');
  assert.equal(p.report.lossTokens, 6);
  const b = rowsToBatch(p.rows, 6, 99);
  assert.deepEqual([...b.ids.slice(0, 6)], [0, 1, 2, 0, 1, 2]);
  assert.deepEqual([...b.targets.slice(0, 5)], [1, 2, 0, 1, 2]);
  // Target 0 (the second conversation's bos) is never learned; padding has weight 0.
  assert.deepEqual([...b.weights.slice(0, 6)], [1, 1, 0, 1, 1, 0]);
  assert.deepEqual([...b.weights.slice(6)], [1, 1, 0, 0, 0, 0]);
  assert.throws(() => pack([{ ids: [1, 2], mask: [1] }], 4, 'cut'), /differ/);
});

test('drills: every kind plays through the real harness, ends with finish, and shows the error it recovers from', async () => {
  const drills = await makeDrills({
    seeds: [11, 12],
    perRepo: DRILL_KINDS.length,
    sandbox: 'none',
  });
  const kinds = new Set(drills.map((d) => d.kind));
  for (const k of [
    'edit_not_found',
    'edit_not_unique',
    'file_missing',
    'command_fails',
    'command_timeout',
    'search_empty',
    'write_file',
    'read_definition',
  ])
    assert.ok(kinds.has(k as never), `no ${k} drill`);
  const obs = (k: string) =>
    drills
      .find((d) => d.kind === k)
      ?.trajectory.messages.filter((m) => m.role === 'tool')
      .map((m) => String(m.content))
      .join('\n') ?? '';
  assert.match(obs('edit_not_found'), /not found/);
  assert.match(obs('edit_not_unique'), /matches 2 times|more than once|unique/);
  assert.match(obs('file_missing'), /not found|no such/i);
  assert.match(obs('command_fails'), /exit code 1/);
  assert.match(obs('command_timeout'), /timed out/);
  assert.match(obs('search_empty'), /no matches/);
  for (const d of drills) {
    assert.equal(d.trajectory.status, 'submitted');
    const last = d.trajectory.messages.filter((m) => m.role === 'assistant').at(-1);
    assert.equal(last && 'tool_calls' in last ? last.tool_calls?.[0].function.name : '', 'finish');
  }
  // Rendered with assistant-only loss: masked tokens exist, tool output is not learned.
  const tok = trainTokenizer(['export function f() {}'], 300);
  const r = new ChatTemplate(tok).renderChat(
    drills[0].trajectory.messages,
    drills[0].trajectory.tools,
  );
  assert.ok(r.mask.includes(1) && r.mask.includes(0));
});

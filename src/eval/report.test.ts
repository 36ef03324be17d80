// The report card from fixture runs: a pure function of the files (same bytes twice), the
// markdown table's rows and columns, the ablation pairing, and bad inputs as one-line errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { collectReport, renderMarkdown, writeReport } from './report.js';
import { renderHtml } from './report-html.js';
import { writeFixtureRuns } from './test-fixtures.js';

const CLI = resolve('dist/src/cli/main.js');

test('markdown report: stages and models as columns, metrics as rows, the ablation paired', async () => {
  const { root } = await writeFixtureRuns(await mkdtemp(join(tmpdir(), 'loopsmith-report-')));
  const out = join(root, 'report.md');
  const data = await writeReport([root], out);
  assert.equal(data.stages.length, 2);
  assert.equal(data.evals.length, 2);
  const md = await readFile(out, 'utf8');
  assert.match(md, /\| metric \| pretrain \(01-pretrain\) \| mid2 \(04-mid2\) \|/);
  assert.match(md, /\| metric \| A harness \| B offline \|/);
  assert.match(md, /\| resolved \| 15\/20 = 75\.0% \| 7\/20 = 35\.0% \|/);
  assert.match(md, /\| tasks \/ repos \/ rollouts \| 20 \/ 4 \/ 20 \| 20 \/ 4 \/ 20 \|/);
  assert.match(md, /\| A harness vs B offline \| 20 \(4\) \| 15 \/ 7 \| 40\.0 pts \[/);
  assert.match(md, /stage stage 2: \d+\/7 resolved/);
  // A pure function of the run files: the same inputs give the same bytes.
  assert.equal(renderMarkdown(await collectReport([root])), md);
  assert.equal(renderHtml(await collectReport([root])), renderHtml(data));
});

test('html report: self-contained (no script, no external reference), one chart per figure', async () => {
  const { root } = await writeFixtureRuns(await mkdtemp(join(tmpdir(), 'loopsmith-report-')));
  const out = join(root, 'report.html');
  await writeReport([join(root, 'stages'), join(root, 'evals')], out);
  const html = await readFile(out, 'utf8');
  assert.doesNotMatch(html, /<script|<link|src="http|href="http|@import|url\(/);
  // 2 loss curves, 1 resolved-rate chart, 2 token histograms.
  assert.equal(html.match(/<figure class="chart"/g)?.length, 5);
  assert.equal(html.match(/<svg /g)?.length, 5);
});

test('report: bad inputs are one-line errors with exit 2', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'loopsmith-report-bad-'));
  for (const [args, re] of [
    [[join(dir, 'missing'), '--out', join(dir, 'r.md')], /no such directory/],
    [[dir, '--out', join(dir, 'r.md')], /no eval run \(eval.json\) or training stage/],
    [[dir, '--out', join(dir, 'r.txt')], /must end in .md or .html/],
  ] as [string[], RegExp][]) {
    const r = spawnSync(process.execPath, [CLI, 'report', ...args], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^loopsmith report: .*\n$/);
    assert.match(r.stderr, re);
  }
  await writeFile(join(dir, 'metrics.jsonl'), '{"step": 1}\n');
  const r = spawnSync(process.execPath, [CLI, 'report', dir, '--out', join(dir, 'r.md')], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 2);
  assert.match(
    r.stderr,
    /^loopsmith report: .*metrics\.jsonl:1: needs numeric step and train_loss\n$/,
  );
});

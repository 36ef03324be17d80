// The report card as one self-contained HTML file: inline CSS and SVG, no script, no
// network. Charts: loss curves per stage, resolved rate per run with 95% intervals, tokens
// per task histograms; tables: the markdown card's tables and the ablation.
import { ablationRows, evalRows, type ReportData, stageRows } from './report.js';
import { esc, histogram, intervalBars, lineChart, PALETTE } from './svg.js';

function table(t: { head: string[]; rows: string[][] }): string {
  return `<table><thead><tr>${t.head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${t.rows
    .map(
      (r) =>
        `<tr>${r.map((c, i) => (i === 0 ? `<th>${esc(c)}</th>` : `<td>${esc(c)}</td>`)).join('')}</tr>`,
    )
    .join('')}</tbody></table>`;
}

const figure = (id: string, svg: string, caption: string) =>
  `<figure class="chart" data-chart="${esc(id)}">${svg}<figcaption>${esc(caption)}</figcaption></figure>`;

/** The whole report page. */
export function renderHtml(d: ReportData): string {
  const parts: string[] = [];
  if (d.stages.length) {
    parts.push('<h2>Training stages</h2>', table(stageRows(d.stages)), '<div class="charts">');
    for (const s of d.stages)
      parts.push(
        figure(
          `loss-${s.name}`,
          lineChart(`loss: ${s.name}`, 'step', 'loss', [
            { name: 'train', points: s.lines.map((l) => [l.step, l.train_loss]) },
            {
              name: 'held-out',
              points: s.lines
                .filter((l) => l.heldout_loss !== undefined)
                .map((l) => [l.step, l.heldout_loss as number]),
              dots: true,
            },
          ]),
          `${s.lines.length} logged steps, ${s.lines[s.lines.length - 1]?.tokens ?? 0} tokens`,
        ),
      );
    parts.push('</div>');
  }
  if (d.evals.length) {
    parts.push('<h2>Evaluation</h2>', table(evalRows(d.evals)), '<div class="charts">');
    parts.push(
      figure(
        'resolved',
        intervalBars(
          'resolved rate (95% Wilson interval)',
          'resolved',
          d.evals.map((e) => ({
            name: e.label,
            value: e.metrics.resolved_rate,
            lo: e.metrics.ci95[0],
            hi: e.metrics.ci95[1],
            note: `${e.metrics.tasks} tasks, ${e.metrics.repos} repos`,
          })),
        ),
        d.evals.map((e) => `${e.label}: ${e.metrics.resolved}/${e.metrics.rollouts}`).join('; '),
      ),
    );
    d.evals.forEach((e, i) => {
      parts.push(
        figure(
          `tokens-${e.label}`,
          histogram(
            `tokens per task: ${e.label}`,
            'total tokens',
            e.tokens,
            10,
            PALETTE[i % PALETTE.length],
          ),
          `${e.tokens.length} rollouts over ${e.metrics.tasks} tasks, ${e.metrics.repos} repos`,
        ),
      );
    });
    parts.push('</div>');
    for (const e of d.evals) {
      parts.push(
        `<h3>${esc(e.label)}</h3><p class="meta">suite ${esc(e.suite)} &middot; model <code>${esc(e.model)}</code></p>`,
      );
      for (const [dim, cells] of Object.entries(e.metrics.by)) {
        const rows = Object.entries(cells).map(([k, c]) => [
          k,
          `${c.resolved}/${c.rollouts}`,
          `${(100 * c.resolved_rate).toFixed(1)}% [${(100 * c.ci95[0]).toFixed(1)}-${(100 * c.ci95[1]).toFixed(1)}]`,
          `${c.tasks} / ${c.repos}`,
          String(c.tokens_per_task),
        ]);
        parts.push(
          table({
            head: [`by ${dim}`, 'resolved', 'rate [95% CI]', 'tasks / repos', 'tokens/task'],
            rows,
          }),
        );
      }
    }
  }
  if (d.ablation.length)
    parts.push('<h2>Ablation (paired on common tasks)</h2>', table(ablationRows(d.ablation)));
  if (!parts.length) parts.push('<p>No stage metrics and no eval runs in the inputs.</p>');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>loopsmith report card</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}
table{border-collapse:collapse;margin:8px 0 16px;background:#fff}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}
thead th{background:#eee}
.charts{display:flex;flex-wrap:wrap;gap:12px}
figure.chart{margin:0;background:#fff;border:1px solid #ddd;padding:4px}
figcaption{font-size:11px;color:#555;max-width:480px}
.meta{color:#555}
</style></head>
<body><h1>loopsmith report card</h1>
${parts.join('\n')}
</body></html>
`;
}

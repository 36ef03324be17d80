// Inline SVG charts for the HTML report card: line chart, bars with interval whiskers and a
// histogram. Strings in, strings out; no script, no external font or stylesheet.

const W = 480;
const H = 260;
const M = { l: 52, r: 12, t: 26, b: 38 };
export const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#9467bd',
  '#ff7f0e',
  '#17becf',
  '#8c564b',
];

export const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const fmt = (x: number) =>
  Math.abs(x) >= 1000 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2);

function frame(
  title: string,
  xLabel: string,
  yLabel: string,
  body: string,
  lo: number,
  hi: number,
  yTicks = 4,
): string {
  const ph = H - M.t - M.b;
  let ticks = '';
  for (let i = 0; i <= yTicks; i++) {
    const v = lo + ((hi - lo) * i) / yTicks;
    const y = M.t + ph - (ph * i) / yTicks;
    ticks += `<line x1="${M.l}" x2="${W - M.r}" y1="${y}" y2="${y}" stroke="#e5e5e5"/><text x="${M.l - 6}" y="${y + 4}" text-anchor="end" font-size="10">${fmt(v)}</text>`;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">
<rect width="${W}" height="${H}" fill="#fff"/>
<text x="${W / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${esc(title)}</text>
${ticks}
<line x1="${M.l}" x2="${M.l}" y1="${M.t}" y2="${H - M.b}" stroke="#333"/><line x1="${M.l}" x2="${W - M.r}" y1="${H - M.b}" y2="${H - M.b}" stroke="#333"/>
<text x="${W / 2}" y="${H - 6}" text-anchor="middle" font-size="11">${esc(xLabel)}</text>
<text x="12" y="${H / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 12 ${H / 2})">${esc(yLabel)}</text>
${body}</svg>`;
}

export interface Series {
  name: string;
  points: [number, number][];
  /** Draw points only (sparse series such as held-out loss). */
  dots?: boolean;
}

/** Lines over a shared x axis, with a legend. */
export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[]): string {
  const pts = series
    .flatMap((s) => s.points)
    .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (pts.length === 0)
    return frame(
      title,
      xLabel,
      yLabel,
      '<text x="240" y="130" text-anchor="middle">no data</text>',
      0,
      1,
    );
  const [x0, x1] = [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))];
  let [y0, y1] = [Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1]))];
  if (y1 === y0) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const X = (x: number) => M.l + (x1 === x0 ? pw / 2 : ((x - x0) / (x1 - x0)) * pw);
  const Y = (y: number) => M.t + ph - ((y - y0) / (y1 - y0)) * ph;
  let body = '';
  series.forEach((s, i) => {
    const c = PALETTE[i % PALETTE.length];
    const p = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (s.dots || p.length === 1)
      body += p
        .map(
          ([x, y]) => `<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="3" fill="${c}"/>`,
        )
        .join('');
    if (!s.dots && p.length > 1)
      body += `<polyline fill="none" stroke="${c}" stroke-width="2" points="${p.map(([x, y]) => `${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(' ')}"/>`;
    body += `<rect x="${W - M.r - 130}" y="${M.t + 4 + i * 14}" width="10" height="10" fill="${c}"/><text x="${W - M.r - 116}" y="${M.t + 13 + i * 14}" font-size="10">${esc(s.name)}</text>`;
  });
  body += `<text x="${M.l}" y="${H - M.b + 14}" font-size="10">${fmt(x0)}</text><text x="${W - M.r}" y="${H - M.b + 14}" font-size="10" text-anchor="end">${fmt(x1)}</text>`;
  return frame(title, xLabel, yLabel, body, y0, y1);
}

export interface Bar {
  name: string;
  value: number;
  lo: number;
  hi: number;
  /** Shown under the bar (counts). */
  note: string;
}

/** Bars in [0, 1] with interval whiskers (resolved rates). */
export function intervalBars(title: string, yLabel: string, bars: Bar[]): string {
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const Y = (v: number) => M.t + ph - v * ph;
  const slot = pw / Math.max(1, bars.length);
  const bw = Math.min(60, slot * 0.6);
  let body = '';
  bars.forEach((b, i) => {
    const cx = M.l + slot * (i + 0.5);
    const c = PALETTE[i % PALETTE.length];
    // A zero rate still gets a visible sliver, so an all-fail model is not an empty chart.
    const top = Math.min(Y(b.value), Y(0) - 2);
    body += `<rect x="${(cx - bw / 2).toFixed(1)}" y="${top.toFixed(1)}" width="${bw.toFixed(1)}" height="${(Y(0) - top).toFixed(1)}" fill="${c}" opacity="0.85"/>`;
    body += `<line x1="${cx}" x2="${cx}" y1="${Y(b.lo)}" y2="${Y(b.hi)}" stroke="#000" stroke-width="1.5"/><line x1="${cx - 6}" x2="${cx + 6}" y1="${Y(b.lo)}" y2="${Y(b.lo)}" stroke="#000"/><line x1="${cx - 6}" x2="${cx + 6}" y1="${Y(b.hi)}" y2="${Y(b.hi)}" stroke="#000"/>`;
    body += `<text x="${cx}" y="${(top - 4).toFixed(1)}" text-anchor="middle" font-size="10">${(100 * b.value).toFixed(1)}%</text>`;
    body += `<text x="${cx}" y="${H - M.b + 12}" text-anchor="middle" font-size="10">${esc(b.name.slice(0, 18))}</text><text x="${cx}" y="${H - M.b + 23}" text-anchor="middle" font-size="9" fill="#555">${esc(b.note)}</text>`;
  });
  return frame(title, '', yLabel, body, 0, 1);
}

/** Histogram of values in `bins` equal-width bins. */
export function histogram(
  title: string,
  xLabel: string,
  values: number[],
  bins = 10,
  color = PALETTE[0],
): string {
  if (values.length === 0)
    return frame(
      title,
      xLabel,
      'rollouts',
      '<text x="240" y="130" text-anchor="middle">no data</text>',
      0,
      1,
    );
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const width = hi > lo ? (hi - lo) / bins : 1;
  const counts = new Array(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  const top = Math.max(...counts);
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const bw = pw / bins;
  let body = '';
  counts.forEach((c, i) => {
    const h = (c / top) * ph;
    body += `<rect x="${(M.l + i * bw + 1).toFixed(1)}" y="${(M.t + ph - h).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${color}"/>`;
  });
  body += `<text x="${M.l}" y="${H - M.b + 14}" font-size="10">${fmt(lo)}</text><text x="${W - M.r}" y="${H - M.b + 14}" font-size="10" text-anchor="end">${fmt(hi > lo ? hi : lo + 1)}</text>`;
  return frame(title, xLabel, 'rollouts', body, 0, top, Math.min(4, top));
}

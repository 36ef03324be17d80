// The HTML report card in a real headless Chromium (Debian's `chromium`, driven by
// playwright-core): it loads with no console error and no page error, and every chart has
// content. Content is read from a real screenshot of each chart: its PNG is decoded by the
// browser onto a canvas, and the saturated pixels (data marks; axes and text are grey) are
// counted. A chart drawn with no data is the negative control: it must count none.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { writeReport } from './report.js';
import { lineChart } from './svg.js';
import { writeFixtureRuns } from './test-fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Saturated pixels in a PNG screenshot, counted by the page itself. */
async function colouredPixels(page: Page, png: Buffer): Promise<number> {
  // Runs in the page (a string, so that Node's type-check needs no DOM types).
  const fn = `async (b64) => {
    const img = new Image();
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const ctx = c.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      const hi = Math.max(d[i], d[i + 1], d[i + 2]);
      const lo = Math.min(d[i], d[i + 1], d[i + 2]);
      if (hi - lo > 60) n++;
    }
    return n;
  }`;
  return page.evaluate(`(${fn})(${JSON.stringify(png.toString('base64'))})`) as Promise<number>;
}

test('HTML report in headless Chromium: no console errors, every chart has content', async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install chromium (see .ci/run)`);
  const { root } = await writeFixtureRuns(await mkdtemp(join(tmpdir(), 'loopsmith-html-')));
  const out = join(root, 'report.html');
  await writeReport([root], out);
  const empty = join(root, 'empty.html');
  await writeFile(
    empty,
    `<!doctype html><html><body><figure class="chart">${lineChart('empty', 'x', 'y', [])}</figure></body></html>`,
  );

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url());
    });
    await page.goto(pathToFileURL(out).href, { waitUntil: 'load' });
    const charts = page.locator('figure.chart svg');
    const n = await charts.count();
    assert.equal(n, 5);
    for (let i = 0; i < n; i++) {
      const png = await charts.nth(i).screenshot();
      const label = await charts.nth(i).getAttribute('aria-label');
      const px = await colouredPixels(page, png);
      assert.ok(px > 200, `chart ${label} has ${px} coloured pixels`);
    }
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, []);

    await page.goto(pathToFileURL(empty).href, { waitUntil: 'load' });
    const none = await colouredPixels(page, await page.locator('figure.chart svg').screenshot());
    assert.equal(none, 0, 'an empty chart must not pass the content check');
  } finally {
    await browser.close();
  }
});

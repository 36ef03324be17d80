// TAP from node-tap and ava, read into test ids. node-tap nests subtests (`# Subtest:` +
// 4-space indent; a test is a subtest holding assertions, not further subtests; the top
// level is one subtest per file). ava prints flat lines `ok 1 - file › title`.
import type { TestStatus } from '../../types.js';
import type { Parsed } from '../parse/node-events.js';

const RESULT = /^( *)(not ok|ok) \d+ - (.*?)(?: # (SKIP|TODO)\b.*| # time=.*)?$/i;
const SUBTEST = /^( *)# Subtest: (.*)$/;

function errorAfter(lines: string[], from: number): string | undefined {
  if (lines[from]?.trim() !== '---') return undefined;
  for (let i = from + 1; i < lines.length && lines[i].trim() !== '...'; i++) {
    const m = /^\s*(?:message|error): ?(.*)$/.exec(lines[i]);
    if (m?.[1] && m[1] !== "''" && !m[1].startsWith('|') && !m[1].startsWith('>'))
      return m[1].replace(/^'|'$/g, '');
  }
  return undefined;
}

/** node-tap's nested TAP. */
export function parseNodeTap(text: string, root: string): Parsed {
  void root;
  const out: Parsed = { tests: {}, failures: {} };
  const lines = text.split('\n');
  const open: (string | undefined)[] = [];
  const hasSub: boolean[] = [];
  // The first failing assertion inside each open subtest (its message explains the failure).
  const firstFail: (string | undefined)[] = [];
  for (let i = 0; i < lines.length; i++) {
    const sub = SUBTEST.exec(lines[i]);
    if (sub) {
      const d = sub[1].length / 4;
      open.length = d;
      open[d] = sub[2];
      hasSub[d] = false;
      firstFail[d] = undefined;
      if (d > 0) hasSub[d - 1] = true;
      continue;
    }
    const m = RESULT.exec(lines[i]);
    if (!m) continue;
    const d = m[1].length / 4;
    if (open[d] === undefined) {
      // An assertion: remember why its subtest fails.
      if (m[2] === 'not ok' && d > 0 && firstFail[d - 1] === undefined)
        firstFail[d - 1] = errorAfter(lines, i + 1) ?? m[3];
      continue;
    }
    const leaf = !hasSub[d];
    const path = open.slice(0, d + 1) as string[];
    open[d] = undefined;
    if (!leaf || d === 0) continue;
    const id = path.join(' > ');
    const status: TestStatus = m[4] ? 'skip' : m[2] === 'ok' ? 'pass' : 'fail';
    out.tests[id] = status;
    if (status === 'fail') out.failures[id] = firstFail[d] ?? 'test failed';
  }
  return out;
}

/**
 * ava's TAP: `file › title` where the file is shown without extension (and without the
 * prefix shared by all test files); mapped back onto the repository's test files.
 */
export function parseAvaTap(text: string, testFiles: string[]): Parsed {
  const out: Parsed = { tests: {}, failures: {} };
  const lines = text.split('\n');
  // ava also drops a `.test` / `.spec` suffix: `test/calc.test.js` is shown as `calc`.
  const stems = testFiles.flatMap((f) => {
    const stem = f.replace(/\.[cm]?[jt]sx?$/, '');
    const bare = stem.replace(/\.(test|spec)$/, '');
    return bare === stem
      ? [{ f, stem }]
      : [
          { f, stem },
          { f, stem: bare },
        ];
  });
  for (let i = 0; i < lines.length; i++) {
    const m = /^(not ok|ok) \d+ - (.*?)(?: # (SKIP|TODO)\b.*)?$/.exec(lines[i]);
    if (!m) continue;
    const parts = m[2].split(' › ');
    let file = testFiles.length === 1 ? testFiles[0] : '<unknown>';
    let titles = parts;
    for (let k = parts.length - 1; k >= 1; k--) {
      const tail = parts.slice(0, k).join('/');
      const hit = stems.find((s) => s.stem === tail || s.stem.endsWith(`/${tail}`));
      if (hit) {
        file = hit.f;
        titles = parts.slice(k);
        break;
      }
    }
    const id = [file, ...titles].join(' > ');
    const status: TestStatus = m[3] ? 'skip' : m[1] === 'ok' ? 'pass' : 'fail';
    out.tests[id] = status;
    if (status === 'fail') out.failures[id] = errorAfter(lines, i + 1) ?? 'test failed';
  }
  return out;
}

// Parses the JSON reports of jest / vitest (`--json`, `--reporter=json`) and mocha
// (`--reporter json`) found in a test command's output.
import type { TestStatus } from '../../types.js';
import { type Parsed, relFile } from './node-events.js';

/** Finds the largest JSON object in the output (reporters may print logs around it). */
export function extractJson(text: string): unknown {
  const trimmed = text.trim();
  const tries = [trimmed];
  const first = text.indexOf('{');
  const last = text.lastIndexOf('}');
  if (first >= 0 && last > first) tries.push(text.slice(first, last + 1));
  // Line-start candidates, for outputs with a `{` in a log line before the report.
  for (let i = text.indexOf('\n{'); i >= 0 && tries.length < 50; i = text.indexOf('\n{', i + 1)) {
    tries.push(text.slice(i + 1, last + 1));
  }
  for (const t of tries) {
    try {
      return JSON.parse(t);
    } catch {
      // try the next candidate
    }
  }
  return undefined;
}

interface JestReport {
  testResults: {
    name?: string;
    testFilePath?: string;
    message?: string;
    assertionResults: {
      ancestorTitles?: string[];
      title: string;
      status: string;
      failureMessages?: string[];
    }[];
  }[];
}

interface MochaReport {
  tests: { title: string; fullTitle: string; file?: string; err?: { message?: string } }[];
  passes: { fullTitle: string; file?: string }[];
  failures: { fullTitle: string; file?: string; err?: { message?: string } }[];
  pending: { fullTitle: string; file?: string }[];
}

/** jest's (and vitest's) assertion statuses as loopsmith's (also read by the grading reporter). */
export const JEST_STATUS: Record<string, TestStatus> = {
  passed: 'pass',
  failed: 'fail',
  pending: 'skip',
  skipped: 'skip',
  todo: 'skip',
  disabled: 'skip',
};

/** jest and vitest share this report shape. */
export function parseJest(report: JestReport, root: string): Parsed {
  const out: Parsed = { tests: {}, failures: {} };
  for (const file of report.testResults) {
    const path = relFile(root, file.name ?? file.testFilePath ?? '<unknown>');
    for (const a of file.assertionResults) {
      const id = [path, ...(a.ancestorTitles ?? []), a.title].join(' > ');
      const status = JEST_STATUS[a.status] ?? 'fail';
      out.tests[id] = status;
      if (status === 'fail')
        out.failures[id] = (a.failureMessages ?? []).join('\n') || 'test failed';
    }
  }
  return out;
}

/** mocha gives only a space-joined full title: ids are "<file> > <full title>". */
export function parseMocha(report: MochaReport, root: string): Parsed {
  const out: Parsed = { tests: {}, failures: {} };
  const id = (t: { fullTitle: string; file?: string }) =>
    `${relFile(root, t.file ?? '<unknown>')} > ${t.fullTitle}`;
  for (const t of report.passes) out.tests[id(t)] = 'pass';
  for (const t of report.pending) out.tests[id(t)] = 'skip';
  for (const t of report.failures) {
    out.tests[id(t)] = 'fail';
    out.failures[id(t)] = t.err?.message ?? 'test failed';
  }
  return out;
}

/** Parses whichever JSON report the output holds; undefined when there is none. */
export function parseJsonReport(text: string, root: string): Parsed | undefined {
  const j = extractJson(text) as Partial<JestReport & MochaReport> | undefined;
  if (!j || typeof j !== 'object') return undefined;
  if (Array.isArray(j.testResults)) return parseJest(j as JestReport, root);
  if (Array.isArray(j.passes) && Array.isArray(j.failures))
    return parseMocha(j as MochaReport, root);
  return undefined;
}

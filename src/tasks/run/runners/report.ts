// The JSON-lines report that loopsmith's own reporters and hooks (mocha, tape, uvu) write to
// $LOOPSMITH_REPORT: one line per finished test, `{file, titles, status, error?}`, plus
// `{register: true, ...}` lines for tests that were declared (a declared test with no result
// failed before its body ran, e.g. in a hook).
import { appendFileSync } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestStatus } from '../../types.js';
import type { Parsed } from '../parse/node-events.js';

export interface ReportLine {
  file: string;
  titles: string[];
  status?: TestStatus;
  error?: string;
  register?: boolean;
}

// In a grading run the grader's seal (src/gym/grade/seal.ts) takes the lines instead: claimed
// here, when the reporter or hook loads, before any test file (so before code under test).
const SEAL = Symbol.for('loopsmith.grade.seal');
const sealed = SEAL in globalThis ? (globalThis as Record<symbol, unknown>)[SEAL] : null;

/** Appends one line to $LOOPSMITH_REPORT (synchronous: a crashing run keeps what it wrote). */
export function writeReport(line: ReportLine): void {
  if (typeof sealed === 'function') {
    sealed(line);
    return;
  }
  const out = process.env.LOOPSMITH_REPORT;
  if (out) appendFileSync(out, `${JSON.stringify(line)}\n`);
}

/** The test file that called into the runner: the first stack frame outside node_modules and loopsmith. */
export function callerFile(skip: string): string {
  const stack = new Error().stack ?? '';
  for (const m of stack.matchAll(/\(?((?:file:\/\/)?\/[^():]+):\d+:\d+\)?$/gm)) {
    // A warm worker's per-run module URLs end in a query (`?ls=N`): not part of the file.
    const url = m[1].replace(/\?[^/]*$/, '');
    const f = url.startsWith('file://') ? fileURLToPath(url) : url;
    if (f.includes(`${sep}node_modules${sep}`) || f.startsWith(skip) || f.startsWith('node:'))
      continue;
    return f;
  }
  return '<unknown>';
}

function rel(root: string, file: string): string {
  const f = file.startsWith('file://') ? fileURLToPath(file) : file;
  return (isAbsolute(f) ? relative(root, f) : f).split(sep).join('/');
}

/** Parses a report into ids "file > suite > name"; declared tests without a result fail. */
export function parseReport(text: string, root: string): Parsed {
  const out: Parsed = { tests: {}, failures: {} };
  const declared = new Set<string>();
  for (const raw of text.split('\n')) {
    if (!raw.startsWith('{')) continue;
    let l: ReportLine;
    try {
      l = JSON.parse(raw) as ReportLine;
    } catch {
      continue;
    }
    const id = [rel(root, l.file), ...l.titles.filter((t) => t !== '')].join(' > ');
    if (l.register) {
      declared.add(id);
      continue;
    }
    const status = l.status ?? 'fail';
    // A retried or repeated title keeps its worst outcome.
    if (out.tests[id] === 'fail') continue;
    out.tests[id] = status;
    if (status === 'fail') out.failures[id] = l.error ?? 'test failed';
  }
  for (const id of declared)
    if (!(id in out.tests)) {
      out.tests[id] = 'fail';
      out.failures[id] = 'the test did not run to completion (a hook or the file failed first)';
    }
  return out;
}

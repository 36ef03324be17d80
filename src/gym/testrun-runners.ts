// Grading runs of tasks made from repositories whose tests are not node:test (mocha, jest,
// vitest, tap, tape, ava, uvu): the runner is detected from the grading copy's package.json
// and the task's test command exactly as the task factory detected it when it validated the
// task (src/tasks/run/runners/detect.ts), its segment of the command runs with loopsmith's
// own reporter, and the results are read by the same parser, so test ids match F2P/P2P
// test for test. node:test commands keep testrun.ts's authenticated path.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Parsed } from '../tasks/run/parse/node-events.js';
import { detectRunner } from '../tasks/run/runners/detect.js';
import { RUNNER_TABLE, type RunnerName } from '../tasks/run/runners/index.js';
import { isTestPath } from '../tasks/sources/local.js';

/** How to run and read one grading run of a non-node:test runner. */
export interface RunnerRun {
  runner: RunnerName;
  /** Shell command run from the sandbox's working directory. */
  cmd: string;
  env: Record<string, string>;
  /** Reads the run: the report file's text and the command's output. */
  parse(report: string, output: string, shown: string): Parsed;
}

/** Root entries and package.json of the grading copy: what detection reads. */
function rootFiles(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(root)) files[name] = '';
  try {
    files['package.json'] = readFileSync(join(root, 'package.json'), 'utf8');
  } catch {
    delete files['package.json'];
  }
  return files;
}

/** The copy's test files (ava reports files by stem only; they are mapped back onto these). */
function testFilesOf(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && isTestPath(p)) out.push(p);
    }
  };
  walk('');
  return out;
}

/**
 * The grading run for `testCmd` in the copy at `root`, or null when its runner cannot be
 * told (the caller then runs the command as it is). For node:test it is only the command
 * (testrun.ts reads node:test itself). `report` is the report file's path as the command
 * sees it.
 */
export function runnerRun(root: string, testCmd: string, report: string): RunnerRun | null {
  let detected: ReturnType<typeof detectRunner>;
  try {
    detected = detectRunner(rootFiles(root), testCmd);
  } catch {
    return null;
  }
  const r = RUNNER_TABLE[detected.runner];
  const inv = r.invocation(detected.segment, report);
  // `npm test` whose script runs node --test (with a human reporter): the script's node
  // command itself, so that testrun.ts's authenticated reporter reads it.
  if (r.name === 'node:test')
    return detected.segment
      ? { runner: r.name, cmd: inv.cmd, env: {}, parse: () => ({ tests: {}, failures: {} }) }
      : null;
  return {
    runner: r.name,
    // What `npm test` puts first on PATH: the repository's own runner binaries.
    cmd: `export PATH="$PWD/node_modules/.bin:$PATH"; ${inv.cmd}`,
    env: inv.env,
    parse: (text, output, shown) =>
      r.parse(text, output, shown, r.name === 'ava' ? testFilesOf(root) : []),
  };
}

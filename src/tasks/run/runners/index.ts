// The JavaScript test runners loopsmith can read, each with the reporter loopsmith adds
// itself (whatever the repository's own script prints) and the parser of what it writes:
// node:test, mocha, jest, vitest, tap, tape, ava, uvu. Detection lives in ./detect.ts.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseJest } from '../parse/json-reporters.js';
import { type Parsed, parseNodeEvents } from '../parse/node-events.js';
import { parseReport } from './report.js';
import { dropFlags, runnerSegment, sh, words } from './script.js';
import { parseAvaTap, parseNodeTap } from './tap-parse.js';

export const RUNNERS = [
  'node:test',
  'mocha',
  'jest',
  'vitest',
  'tap',
  'tape',
  'ava',
  'uvu',
] as const;
export type RunnerName = (typeof RUNNERS)[number];

/** One run's command line and the extra environment it needs. */
export interface Invocation {
  cmd: string;
  env: Record<string, string>;
}

/** What loopsmith knows about one runner. */
export interface Runner {
  name: RunnerName;
  /** Executables that start it (as written in package.json scripts). */
  bins: string[];
  /** The npm package that provides it (for devDependencies detection). */
  pkg: string;
  /** Config files (at the repo root) that only this runner reads. */
  config: RegExp;
  /** The command with loopsmith's reporter writing to `report`. */
  invocation(segment: string | null, report: string): Invocation;
  /**
   * Reads a run: the report file's text (read by the caller: grading reads it without
   * following links), the command's output, the root test files are reported under.
   */
  parse(report: string, output: string, root: string, testFiles: string[]): Parsed;
}

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const MOCHA_REPORTER = here('./mocha-reporter.js');
const NODE_REPORTER = here('../reporter.js');
const TAPE_HOOK = here('./tape-hook.js');
const UVU_HOOK = here('./uvu-hook.js');

/** The runner's own words from the segment (or `fallback`), flags dropped, extra appended. */
function rewrite(
  segment: string | null,
  fallback: string,
  flags: string[],
  switches: string[],
  extra: string[],
): string {
  return [...dropFlags(words(segment ?? fallback), flags, switches), ...extra].join(' ');
}

/** A report file's text ('' when the run wrote none). */
export function readReport(report: string): string {
  try {
    return readFileSync(report, 'utf8');
  } catch {
    return '';
  }
}

const withNodeOptions = (add: string): string => `${process.env.NODE_OPTIONS ?? ''} ${add}`.trim();

export const RUNNER_TABLE: Record<RunnerName, Runner> = {
  'node:test': {
    name: 'node:test',
    bins: ['node'],
    pkg: '',
    config: /^$/,
    invocation: (segment, report) => ({
      // The script's own reporters would not pair with loopsmith's destination: drop them.
      cmd: segment
        ? dropFlags(words(segment), ['--test-reporter', '--test-reporter-destination']).join(' ')
        : 'node --test',
      env: {
        NODE_OPTIONS: withNodeOptions(
          `--test-reporter=${NODE_REPORTER} --test-reporter-destination=${report}`,
        ),
      },
    }),
    parse: (report, _o, root) => parseNodeEvents(report, root),
  },
  mocha: {
    name: 'mocha',
    bins: ['mocha', '_mocha'],
    pkg: 'mocha',
    config: /^\.mocharc\.(js|cjs|mjs|json|jsonc|ya?ml)$/,
    invocation: (segment, report) => ({
      cmd: rewrite(
        segment,
        'mocha',
        ['--reporter', '-R', '--reporter-option', '--reporter-options', '-O'],
        ['--watch', '-w', '--parallel', '-p'],
        ['--reporter', sh(MOCHA_REPORTER), '--no-parallel'],
      ),
      env: { LOOPSMITH_REPORT: report },
    }),
    parse: (report, _o, root) => parseReport(report, root),
  },
  jest: {
    name: 'jest',
    bins: ['jest'],
    pkg: 'jest',
    config: /^jest\.config\.(js|cjs|mjs|ts|json)$/,
    invocation: (segment, report) => ({
      cmd: rewrite(
        segment,
        'jest',
        ['--reporters', '--outputFile'],
        ['--json', '--watch', '--watchAll', '--coverage', '--verbose'],
        ['--ci', '--json', `--outputFile=${sh(report)}`, '--coverage=false'],
      ),
      env: {},
    }),
    parse: (report, _o, root) => jsonFile(report, root),
  },
  vitest: {
    name: 'vitest',
    bins: ['vitest'],
    pkg: 'vitest',
    config: /^vitest\.config\.(js|cjs|mjs|ts|mts|cts)$/,
    invocation: (segment, report) => {
      const ws = dropFlags(
        words(segment ?? 'vitest'),
        ['--reporter', '--outputFile'],
        ['--watch', '-w', '--coverage', '--ui'],
      );
      // `vitest` alone watches unless CI is set; say `run` explicitly.
      const at = ws.findIndex((w) => /(^|\/)vitest$/.test(w));
      const next = ws[at + 1];
      if (next !== 'run' && next !== 'watch' && next !== 'dev') ws.splice(at + 1, 0, 'run');
      else if (next !== 'run') ws[at + 1] = 'run';
      return {
        cmd: [...ws, '--reporter=json', `--outputFile=${sh(report)}`].join(' '),
        env: {},
      };
    },
    parse: (report, _o, root) => jsonFile(report, root),
  },
  tap: {
    name: 'tap',
    bins: ['tap'],
    pkg: 'tap',
    config: /^\.taprc$/,
    invocation: (segment) => ({
      cmd: rewrite(
        segment,
        'tap',
        ['--reporter', '-R', '--reporter-arg', '--output-file', '-o'],
        ['--coverage-report', '--watch', '-w'],
        ['--reporter=tap', '--disable-coverage'],
      ),
      env: {},
    }),
    parse: (_r, output, root) => parseNodeTap(output, root),
  },
  tape: {
    name: 'tape',
    bins: ['tape'],
    pkg: 'tape',
    config: /^$/,
    invocation: (segment, report) => ({
      cmd: segment ?? 'tape "test/**/*.js"',
      env: { LOOPSMITH_REPORT: report, NODE_OPTIONS: withNodeOptions(`--import ${TAPE_HOOK}`) },
    }),
    parse: (report, _o, root) => parseReport(report, root),
  },
  ava: {
    name: 'ava',
    bins: ['ava'],
    pkg: 'ava',
    config: /^ava\.config\.(js|cjs|mjs)$/,
    invocation: (segment) => ({
      cmd: rewrite(
        segment,
        'ava',
        [],
        ['--tap', '-t', '--verbose', '-v', '--watch', '-w'],
        ['--tap'],
      ),
      env: {},
    }),
    parse: (_r, output, _root, testFiles) => parseAvaTap(output, testFiles),
  },
  uvu: {
    name: 'uvu',
    bins: ['uvu'],
    pkg: 'uvu',
    config: /^$/,
    invocation: (segment, report) => ({
      cmd: segment ?? 'uvu',
      env: { LOOPSMITH_REPORT: report, NODE_OPTIONS: withNodeOptions(`--import ${UVU_HOOK}`) },
    }),
    parse: (report, _o, root) => parseReport(report, root),
  },
};

function jsonFile(text: string, root: string): Parsed {
  if (!text) return { tests: {}, failures: {} };
  try {
    return parseJest(JSON.parse(text), root);
  } catch {
    return { tests: {}, failures: {} };
  }
}

/** The invocation for `runner` built from a test command (the runner's segment of it). */
export function invocationFor(runner: RunnerName, testCmd: string, report: string): Invocation {
  const r = RUNNER_TABLE[runner];
  const seg = runner === 'node:test' ? testCmd : runnerSegment(testCmd, r.bins);
  return r.invocation(seg, report);
}

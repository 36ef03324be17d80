// What `tasks gen` on a local repository starts before any candidate exists: the spawned
// reference run (the ground truth), the warm workers (jest, vitest, tape, uvu, node:test,
// ava, tap through WarmCliSuite, with their own early reference), and mocha's worker
// processes booting in their working copies (./warm/mocha-prefork.ts). localChunks starts
// them itself; the CLI starts them earlier still (`prestart`), before it imports the
// generator (parser, SQLite: ~250 ms), and localChunks takes them if its spec is the same.
// Light on purpose: nothing here imports the parser or the store. LOOPSMITH_PRESTART=0 turns
// the early start off (localChunks then starts the same things itself).
import { resolve } from 'node:path';
import type { GenSpec } from '../spec.js';
import type { RepoSnapshot } from '../types.js';
import { type Reference, referenceRun } from '../validate.js';
import type { Detected } from './runners/detect.js';
import { isBin, words } from './runners/script.js';
import { directEligible, SpawnSuite } from './spawn.js';
import { trace } from './trace.js';
import { WarmCliSuite, type WarmKind } from './warm/cli-suite.js';
import { MochaPrefork, warmEligible } from './warm/mocha-prefork.js';
import type { MochaWarmSuite } from './warm/mocha-suite.js';

/** What the starts decide on: a started set is reused only for the same values. */
export type StartSpec = Pick<
  GenSpec,
  'source' | 'testCmd' | 'runner' | 'workers' | 'warm' | 'timeoutMs'
>;

/** The warm workers' own reference (see `earlyReference`). */
export interface Early {
  ref: Reference;
  refs: Record<string, string>[];
}

export interface Started {
  key: string;
  dir: string;
  repo: RepoSnapshot;
  detected: Detected;
  spawnSuite: SpawnSuite;
  /** The spawned reference run (its error not yet worded for the user). */
  spawnedRef: Promise<Reference>;
  /** Warm workers of the WarmCliSuite kinds (none for mocha). */
  cli: WarmCliSuite[];
  /** Their early reference, when speculating (null: none or not speculating). */
  cliEarly: Promise<Early | null> | null;
  /** mocha: worker processes booting in copies, for MochaWarmSuite (after the candidates). */
  mocha: MochaPrefork[];
  /** mocha's arguments from the script (what the preforks were started with). */
  mochaArgs: string[];
}

const keyOf = (s: StartSpec) =>
  JSON.stringify([resolve(s.source), s.testCmd, s.runner, s.workers, s.warm, s.timeoutMs]);

/**
 * Whether a warm process can stand in for the runner's own: jest and vitest always (their
 * APIs), tape for CommonJS test files (the worker requires them), uvu unless the script
 * preloads modules or bails (the worker does neither). The reference check still decides.
 */
function warmKind(repo: RepoSnapshot, detected: Detected): WarmKind | null {
  const kind = detected.runner;
  if (kind === 'jest' || kind === 'vitest') return kind;
  if (kind === 'ava') return process.env.LOOPSMITH_WARM_AVA === '0' ? null : 'ava';
  const args = words(detected.segment ?? '');
  const pkg = JSON.parse(repo.files['package.json'] ?? '{}') as { type?: string };
  const esm = pkg.type === 'module' || repo.testFiles.some((f) => f.endsWith('.mjs'));
  if (kind === 'tape')
    return esm || args.some((w) => w === '--import' || w.startsWith('--loader')) ? null : 'tape';
  // tap: CommonJS test files (its worker requires them); LOOPSMITH_WARM_TAP=0 leaves the direct
  // path only (for measuring, or if the warm worker misbehaves).
  if (kind === 'tap')
    return esm ||
      repo.testFiles.some((f) => /\.[cm]?tsx?$/.test(f)) ||
      process.env.LOOPSMITH_WARM_TAP === '0'
      ? null
      : 'tap';
  if (kind === 'uvu') return args.some((w) => /^(-r|--require|-b|--bail)$/.test(w)) ? null : 'uvu';
  // node:test: plain `node --test [paths]` scripts, as for the direct path (LOOPSMITH_WARM_NODE=0
  // leaves the direct path only, for measuring).
  if (kind === 'node:test' && directEligible(kind, detected.segment))
    return process.env.LOOPSMITH_WARM_NODE === '0' ? null : 'node:test';
  return null;
}

/** How a node:test or tap test file loads its runner (the early guess of the test files). */
const RUNNER_IMPORT: Partial<Record<string, RegExp>> = {
  'node:test': /\b(require\(\s*|from\s+)['"](node:)?test['"]/,
  tap: /\b(require\(\s*|from\s+)['"]tap['"]/,
};

export function sameTests(a: Record<string, string>, b: Record<string, string>): boolean {
  return (
    Object.keys(a).length === Object.keys(b).length &&
    Object.entries(b).every(([id, st]) => a[id] === st)
  );
}

/**
 * The warm workers' own reference, to start validating while the spawned reference still
 * runs (it decides before any result is handed out): null when there are no warm workers,
 * LOOPSMITH_SPECULATE=0, or their runs are no usable reference or disagree among themselves.
 */
export async function earlyReference(
  suites: (MochaWarmSuite | WarmCliSuite)[],
): Promise<Early | null> {
  if (suites.length === 0 || process.env.LOOPSMITH_SPECULATE === '0') return null;
  const runs = await Promise.all(suites.map((s) => s.run({}, null))).catch(() => null);
  const first = runs?.[0];
  if (
    !runs ||
    !first ||
    runs.some((r) => r.timedOut || r.invalid || !sameTests(r.tests, first.tests))
  )
    return null;
  const pass = new Set(Object.keys(first.tests).filter((id) => first.tests[id] === 'pass'));
  if (pass.size === 0) return null;
  const ref: Reference = { tests: first.tests, pass };
  trace('warm reference done');
  suites.forEach((s, i) => {
    if (s instanceof WarmCliSuite) s.learn(ref, runs[i].durationMs);
  });
  return { ref, refs: runs.map((r) => r.tests) };
}

/** Starts the spawned reference and the warm workers (their reference too, if `speculate`). */
export function startRuns(
  repo: RepoSnapshot,
  spec: StartSpec,
  detected: Detected,
  speculate: boolean,
): Started {
  trace('start runs');
  const dir = resolve(spec.source);
  const workers = Math.max(1, spec.workers);
  const spawnSuite = new SpawnSuite(repo, {
    timeoutMs: Math.max(spec.timeoutMs, 60_000),
    nodeModulesFrom: dir,
    runner: detected,
    select: process.env.LOOPSMITH_SELECT !== '0',
  });
  const spawnedRef = referenceRun(spawnSuite);
  spawnedRef.then(
    () => trace('spawned reference done'),
    () => undefined,
  );
  // Handled where it is awaited; until then a failure must not count as unhandled.
  spawnedRef.catch(() => undefined);
  const started: Started = {
    key: keyOf(spec),
    dir,
    repo,
    detected,
    spawnSuite,
    spawnedRef,
    cli: [],
    cliEarly: null,
    mocha: [],
    mochaArgs: [],
  };
  if (spec.warm === 'none') return started;
  if (detected.runner === 'mocha') {
    if (!warmEligible(repo)) return started;
    const ws = words(detected.segment ?? 'mocha');
    const at = ws.findIndex((w) => isBin(w, 'mocha') || isBin(w, '_mocha'));
    started.mochaArgs = ws.slice(at + 1);
    for (let i = 0; i < workers; i++)
      started.mocha.push(new MochaPrefork(repo, dir, started.mochaArgs));
    return started;
  }
  const kind = warmKind(repo, detected);
  if (kind === null) return started;
  started.cli = Array.from(
    { length: workers },
    () =>
      new WarmCliSuite(repo, {
        kind,
        nodeModulesFrom: dir,
        segment: detected.segment,
        timeoutMs: Math.max(spec.timeoutMs, 60_000),
        select: process.env.LOOPSMITH_SELECT !== '0',
      }),
  );
  // node:test and tap workers are told the test files: early, the files that load the runner
  // (the spawned reference then decides whether those were the right ones).
  const guess = RUNNER_IMPORT[detected.runner];
  if (guess && speculate)
    for (const w of started.cli)
      w.useFiles(repo.testFiles.filter((f) => guess.test(repo.files[f] ?? '')).sort());
  if (speculate) started.cliEarly = earlyReference(started.cli);
  return started;
}

/** Stops everything a start left running (workers, the spawned reference) and its copies. */
export function disposeStarted(s: Started): void {
  for (const w of s.cli) w.dispose();
  for (const p of s.mocha) p.dispose();
  s.spawnSuite.dispose();
}

let early: Started | null = null;

/**
 * Starts a local repository's runs ahead of `tasks gen`'s own imports (see the header); a
 * no-op with LOOPSMITH_PRESTART=0. The caller calls `dropPrestart` when it is done.
 */
export function prestart(repo: RepoSnapshot, spec: StartSpec, detected: Detected): void {
  if (process.env.LOOPSMITH_PRESTART === '0') return;
  dropPrestart();
  early = startRuns(repo, spec, detected, true);
}

/** The runs `prestart` began for this spec (taken once), else null. */
export function takeStarted(spec: StartSpec): Started | null {
  const s = early;
  early = null;
  if (s && s.key === keyOf(spec)) return s;
  if (s) disposeStarted(s);
  return null;
}

/** Stops a prestart nobody took (the store was already full, or the command failed). */
export function dropPrestart(): void {
  if (early) disposeStarted(early);
  early = null;
}

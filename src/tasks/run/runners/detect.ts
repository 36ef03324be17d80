// Which test runner a repository uses, from package.json (the test script, then config
// files, then devDependencies) or the command the user gave. When nothing says, the error
// names what was found and the flag to pass.
import { UserError } from '../../errors.js';
import { RUNNER_TABLE, RUNNERS, type RunnerName } from './index.js';
import { expandScripts, isBin, runnerSegment, segments, words } from './script.js';

interface Pkg {
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [key: string]: unknown;
}

/** What was decided, and why (printed by `tasks gen`). */
export interface Detected {
  runner: RunnerName;
  /** The runner's segment of the command (what loopsmith runs, plus its reporter). */
  segment: string | null;
  /** Where the decision came from, e.g. 'scripts.test runs mocha'. */
  evidence: string;
}

/** The segment that runs node's own runner (`node --test ...`), if any. */
function nodeTestSegment(cmd: string): string | null {
  for (const seg of segments(cmd)) {
    const ws = words(seg);
    const at = ws.findIndex((w) => isBin(w, 'node'));
    if (at >= 0 && ws.slice(at + 1).some((w) => w === '--test' || w.startsWith('--test=')))
      return seg;
  }
  return null;
}

function inScript(cmd: string): Detected | null {
  const node = nodeTestSegment(cmd);
  if (node) return { runner: 'node:test', segment: node, evidence: 'runs node --test' };
  for (const name of RUNNERS) {
    if (name === 'node:test') continue;
    const seg = runnerSegment(cmd, RUNNER_TABLE[name].bins);
    if (seg) return { runner: name, segment: seg, evidence: `runs ${name}` };
  }
  return null;
}

/**
 * Detects the runner. `files` are the repository's paths (root config files are read from
 * it), `testCmd` the user's --test-cmd, `forced` the user's --runner.
 */
export function detectRunner(
  files: Record<string, string>,
  testCmd: string | undefined,
  forced?: string,
): Detected {
  let pkg: Pkg = {};
  try {
    pkg = JSON.parse(files['package.json'] ?? '{}') as Pkg;
  } catch (e) {
    throw new UserError(`package.json is not JSON: ${(e as Error).message}`);
  }
  const scripts = pkg.scripts ?? {};
  const cmd = expandScripts(testCmd ?? 'npm test', scripts);
  const where = testCmd ? `--test-cmd "${testCmd}"` : 'scripts.test';
  if (forced !== undefined) {
    if (!(RUNNERS as readonly string[]).includes(forced))
      throw new UserError(`--runner must be one of ${RUNNERS.join(', ')}; got "${forced}"`);
    const name = forced as RunnerName;
    const seg =
      name === 'node:test' ? nodeTestSegment(cmd) : runnerSegment(cmd, RUNNER_TABLE[name].bins);
    return { runner: name, segment: seg, evidence: `--runner ${name}` };
  }
  const fromCmd = inScript(cmd);
  if (fromCmd) return { ...fromCmd, evidence: `${where} ${fromCmd.evidence}` };
  const roots = Object.keys(files).filter((p) => !p.includes('/'));
  for (const name of RUNNERS) {
    const r = RUNNER_TABLE[name];
    const conf = roots.find((p) => r.config.test(p));
    if (conf) return { runner: name, segment: null, evidence: `config file ${conf}` };
    if (r.pkg && typeof pkg[r.pkg] === 'object')
      return { runner: name, segment: null, evidence: `package.json "${r.pkg}" key` };
  }
  const deps = { ...pkg.dependencies, ...pkg.devDependencies };
  const known = RUNNERS.filter((n) => RUNNER_TABLE[n].pkg && RUNNER_TABLE[n].pkg in deps);
  if (known.length === 1)
    return { runner: known[0], segment: null, evidence: `devDependencies has ${known[0]}` };
  const testFiles = Object.keys(files).filter((p) =>
    /\.(test|spec)\.[cm]?[jt]sx?$|(^|\/)tests?\//.test(p),
  );
  if (
    known.length === 0 &&
    testFiles.some((p) => /from ['"]node:test['"]|require\(['"]node:test['"]\)/.test(files[p]))
  )
    return { runner: 'node:test', segment: null, evidence: "test files import 'node:test'" };
  const script =
    scripts.test === undefined ? 'no scripts.test' : `scripts.test is "${scripts.test}"`;
  const depsSaid =
    known.length > 1
      ? `devDependencies name several runners (${known.join(', ')})`
      : 'no runner in dependencies';
  throw new UserError(
    `cannot tell which test runner this repository uses (${testCmd ? `--test-cmd "${testCmd}" names none; ` : ''}${script}; ${depsSaid}; no config file of ${RUNNERS.slice(1).join('/')}): pass --runner ${RUNNERS.join('|')} and --test-cmd "<command that runs the tests>"`,
  );
}

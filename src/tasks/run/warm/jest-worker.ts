// A long-lived jest process (forked with the working copy as cwd, IPC for requests): the
// repository's own jest, driven through its programmatic API (`runCLI`, as StrykerJS's jest
// runner does) with the script's arguments, in band. Each request is a whole jest run: a
// new module registry per test file, the files read from disk again (the suite writes the
// mutant there), only node's and jest's own start-up saved. Replies with jest's --json report.
// A run ends as jest's process would: once nothing of the tests is left in the event loop; an
// uncaught error until then crashes it (no report, as the spawned jest dies writing none),
// and this worker exits after replying.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { guardRuns, idleHandles, untilIdle } from './idle.js';
import { directRun } from './jest-direct.js';

interface Req {
  /** The script's jest arguments (reporter and output flags already dropped). */
  args: string[];
  /** Test files to run (by path), or null for the whole suite. */
  files: string[] | null;
}

type Argv = Record<string, unknown>;
interface Jest {
  buildArgv(argv: string[]): Promise<Argv> | Argv;
  runCLI(argv: Argv, projects: string[]): Promise<{ results: unknown }>;
}

const cwd = process.cwd();
const req = createRequire(join(cwd, 'noop.js'));
const jest = req('jest') as Jest;
// formatTestResults turns the aggregated result into the --json report's shape.
const fromJest = createRequire(req.resolve('jest'));
const { formatTestResults } = fromJest(
  createRequire(fromJest.resolve('@jest/core')).resolve('@jest/test-result'),
) as { formatTestResults(r: unknown): unknown };

const guard = guardRuns();

const FLAGS = ['--ci', '--runInBand', '--silent', '--coverage=false', '--watchman=false'];
const wholeArgs = (r: Req) => [...r.args, ...FLAGS];

async function jestRun(r: Req): Promise<unknown> {
  const argv = await jest.buildArgv([
    ...r.args,
    ...(r.files ? ['--runTestsByPath', ...r.files] : []),
    ...FLAGS,
  ]);
  // No reporter at all: the results come back through the API.
  argv.reporters = [];
  // The whole suite's argv decides the kept context (its files are found once).
  const report = await directRun(r.files ? await jest.buildArgv(wholeArgs(r)) : argv, r.files);
  if (report !== null) return report;
  const { results } = await jest.runCLI(argv, [cwd]);
  return formatTestResults(results);
}

// The idle worker's own handles, taken before its first run: what a run leaves running
// keeps that run going until it ends (forever: a timeout, and the worker is replaced), as it
// keeps a spawned jest from exiting; a later run never inherits it.
let base: string[] | null = null;

async function run(r: Req): Promise<void> {
  base ??= await idleHandles();
  const idle = base;
  guard.crash = null;
  let ended = false;
  const crashed = new Promise<null>((ok) => {
    guard.current = () => {
      ended = true;
      ok(null);
    };
  });
  // jest-circus swaps these listeners for its own while a file runs and leaves its own in
  // place when the file fails to load; each run starts with the worker's, as a new process.
  const events = ['uncaughtException', 'unhandledRejection'];
  const own = events.map((e) => process.listeners(e as 'uncaughtException'));
  const report = await Promise.race([jestRun(r), crashed]);
  events.forEach((e, i) => {
    process.removeAllListeners(e);
    for (const l of own[i]) process.on(e as 'uncaughtException', l);
  });
  // What the tests left running (timers, sockets) runs out first, as before jest's exit.
  if (report !== null) await untilIdle(idle, () => ended);
  guard.current = null;
  if (guard.crash !== null)
    process.send?.({ crash: guard.crash, exiting: true }, () => process.exit(1));
  else process.send?.({ report });
}

process.on('message', (msg: Req) => {
  run(msg).catch((e) => guard.sendError(e));
});
process.send?.({ ready: true });

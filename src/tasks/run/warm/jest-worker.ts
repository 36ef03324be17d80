// A long-lived jest process (forked with the working copy as cwd, IPC for requests): the
// repository's own jest, driven through its programmatic API (`runCLI`, as StrykerJS's jest
// runner does) with the script's arguments, in band. Each request is a whole jest run: a
// new module registry per test file, the files read from disk again (the suite writes the
// mutant there), only node's and jest's own start-up saved. Replies with jest's --json report.
import { createRequire } from 'node:module';
import { join } from 'node:path';

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

async function run(r: Req): Promise<unknown> {
  const argv = await jest.buildArgv([
    ...r.args,
    ...(r.files ? ['--runTestsByPath', ...r.files] : []),
    '--ci',
    '--runInBand',
    '--silent',
    '--coverage=false',
    '--watchman=false',
  ]);
  // No reporter at all: the results come back through the API.
  argv.reporters = [];
  const { results } = await jest.runCLI(argv, [cwd]);
  return formatTestResults(results);
}

process.on('message', (msg: Req) => {
  run(msg).then(
    (res) => process.send?.({ report: res }),
    (e) => process.send?.({ error: String((e as Error)?.message ?? e).slice(0, 500) }),
  );
});
process.send?.({ ready: true });

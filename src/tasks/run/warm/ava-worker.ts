// A long-lived ava process (forked with the working copy as cwd, IPC for requests): each
// request runs ava's own CLI (its lib/cli.js, imported once) with the argument words a
// spawned `ava --tap ...` would get, its TAP report captured from stdout. What is saved is
// node's and ava's start-up per run (loading the CLI, its config and reporter modules);
// ava still runs every test file in a new worker thread, so each run reads the candidate
// from disk and no module state carries over between runs.
import { existsSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { guardRuns } from './idle.js';

register(new URL('./ava-chalk.js', import.meta.url));

interface Req {
  /** ava's argument words (after its bin), as the spawned command has them. */
  args: string[];
}

const cwd = process.cwd();
let pkgDir = dirname(createRequire(join(cwd, 'noop.js')).resolve('ava'));
while (!existsSync(join(pkgDir, 'package.json')) && dirname(pkgDir) !== pkgDir)
  pkgDir = dirname(pkgDir);
const lib = (f: string) => pathToFileURL(join(pkgDir, 'lib', f)).href;
// Every run's Api listens for SIGINT: no leak warning for those.
process.setMaxListeners(0);

async function start(): Promise<() => Promise<void>> {
  const chalk = (await import(lib('chalk.js'))) as { set(o: object): void };
  // The load hook must have lifted the once-only guard, or a second run would throw.
  chalk.set({ level: 0 });
  chalk.set({ level: 0 });
  return ((await import(lib('cli.js'))) as { default: () => Promise<void> }).default;
}

const cli = start();
let queue: Promise<unknown> = Promise.resolve();
// An uncaught error in ava's own process (its TAP reporter throws on a timeout, for one)
// ends the spawned run with what was printed so far: here it ends the run and the worker.
const guard = guardRuns();

async function run(r: Req): Promise<{ out: string; code: number }> {
  const loadCli = await cli;
  process.argv = [process.execPath, join(pkgDir, 'entrypoints', 'cli.mjs'), ...r.args];
  process.exitCode = 0;
  let out = '';
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write;
  guard.crash = null;
  try {
    await new Promise<void>((done, fail) => {
      guard.current = done;
      loadCli().then(done, fail);
    });
  } finally {
    guard.current = null;
    process.stdout.write = write;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { out, code };
}

process.on('message', (msg: Req) => {
  queue = queue.then(() =>
    run(msg).then(({ out, code }) => {
      // After an uncaught error the worker replies and exits (guard.send).
      if (guard.crash !== null) guard.send(out);
      // A failing exit reads as a crash when no test failed, as for the spawned run.
      else process.send?.({ report: out, crash: code !== 0 ? `exit code ${code}` : null });
    }, guard.sendError),
  );
});
// A CLI that cannot be loaded or run twice ends the worker at start: the suite's runs then
// report nothing, its reference disagrees, and the caller spawns ava.
cli.then(
  () => process.send?.({ ready: true }),
  () => process.exit(1),
);

// A long-lived tape process (forked with the working copy as cwd, IPC for requests). `tape`
// runs every test file in one process, so a warm run is what its bin does, minus node's
// start-up: the repository's modules and tape itself are dropped from the require cache (a
// fresh harness, the mutant read from disk), the bin's `-r` modules and the test files are
// required in order, and tape's results come back as loopsmith's report lines. An uncaught
// exception ends a tape run (tape does not catch them): the worker replies with what ran and
// exits, as the process would; the suite starts a new one.
import { createRequire } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReportLine } from '../runners/report.js';
import { instrumentTape } from '../runners/tape-instrument.js';
import { guardRuns, idleHandles, untilIdle } from './idle.js';

interface Req {
  /** The script's tape arguments (files, globs, `-r`). */
  args: string[];
  /** Test files to run (by path), or null for the whole suite. */
  files: string[] | null;
}

const cwd = process.cwd();
const req = createRequire(join(cwd, 'noop.js'));
const tapePath = req.resolve('tape');
const tapeDir = `${dirname(tapePath)}${sep}`;
const fromTape = createRequire(tapePath);
// The bin's own argument parser and glob, from tape's dependencies.
const minimist = fromTape('minimist') as (
  a: string[],
  o: object,
) => { _: string[]; require: string | string[] };
const glob = fromTape('glob') as { hasMagic(p: string): boolean; sync(p: string): string[] };
const skip = fileURLToPath(new URL('..', import.meta.url));

let lines: ReportLine[] = [];
const guard = guardRuns();

function testFiles(r: Req): { requires: string[]; files: string[] } {
  const opts = minimist(r.args, {
    alias: { r: 'require', i: 'ignore' },
    string: ['require', 'ignore', 'ignore-pattern'],
    default: { r: [] },
  });
  const requires = (typeof opts.require === 'string' ? [opts.require] : opts.require).filter(
    Boolean,
  );
  const specs = r.files ?? opts._.flatMap((a) => (glob.hasMagic(a) ? glob.sync(a) : [a]));
  return { requires, files: specs.map((f) => req.resolve(resolve(cwd, f))) };
}

async function run(r: Req): Promise<void> {
  const base = await idleHandles();
  for (const k of Object.keys(req.cache))
    if (!k.includes(`${sep}node_modules${sep}`) || k.startsWith(tapeDir)) delete req.cache[k];
  lines = [];
  guard.crash = null;
  process.exitCode = 0;
  const { requires, files } = testFiles(r);
  const tape = instrumentTape(req.cache, tapePath, req(tapePath) as never, skip, (l) =>
    lines.push(l),
  ) as unknown as Tape;
  await new Promise<void>((done) => {
    guard.current = done;
    tape.wait();
    try {
      for (const m of requires) req(req.resolve(m.startsWith('.') ? resolve(cwd, m) : m));
      for (const f of files) req(f);
    } catch (e) {
      // A test file that throws while loading ends the bin before any test runs.
      lines = [];
      guard.fail(e);
      return;
    }
    tape.run();
    void whenIdle(tape.getHarness(), done, base);
  });
  guard.current = null;
}

interface TapeTest {
  ended?: boolean;
}
interface Tape {
  wait(): void;
  run(): void;
  getHarness(): { _tests: TapeTest[]; _results: { _only?: TapeTest | null }; close(): void };
}

/**
 * Ends the run when a tape process would exit: nothing left in the event loop (tape closes
 * its results only from the process's `exit` event). Tests that never ended then make
 * tape's exit handler fail the process: a crash, as the spawned run's report reads.
 */
async function whenIdle(h: ReturnType<Tape['getHarness']>, done: () => void, base: string[]) {
  await untilIdle(base, () => guard.current !== done);
  if (guard.current !== done) return;
  const only = h._results._only;
  if (h._tests.some((t) => !t.ended && (!only || t === only))) {
    guard.fail(new Error('test exited without ending'));
    return;
  }
  h.close();
  setImmediate(done);
}

// Fresh harnesses add process listeners of their own each run: no leak warning for those.
process.setMaxListeners(0);
process.on('message', (msg: Req) => {
  const base = new Set(process.listeners('exit'));
  // A synchronous throw (bad arguments, tape missing) becomes the reply's error.
  Promise.resolve()
    .then(() => run(msg))
    .then(
      () => {
        for (const l of process.listeners('exit')) if (!base.has(l)) process.off('exit', l);
        const report = lines.map((l) => JSON.stringify(l)).join('\n');
        guard.send(report);
      },
      (e) => guard.sendError(e),
    );
});
process.send?.({ ready: true });

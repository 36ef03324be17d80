// A long-lived node:test process (forked with `--expose-internals`, the working copy as cwd,
// IPC for requests). Node 20 has no public way to run node:test twice in one process (its
// harness keeps one root test per process; `run({ isolation: 'none' })` is Node 22.8+), so
// each test file gets a root of its own from node's own harness (`createTestTree`, the
// same Test/Suite classes, hooks and reporter stream `node file.js` uses), with the
// repository's modules loaded anew (CommonJS dropped from the require cache, ES modules
// under a per-run URL as in ./uvu-fresh.ts). A file's run ends where its process would:
// when nothing is left in the event loop (./idle.ts), then node's `beforeExit` teardown
// (tests still pending are cancelled). Events go through loopsmith's reporter
// (../reporter.ts), so replies parse as the spawned run's events file does. What a spawned
// file run does differently is caught by the caller's check against the spawned reference.
import { createRequire, register } from 'node:module';
import { join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import jsonLines from '../reporter.js';
import { idleHandles, untilIdle } from './idle.js';

register(new URL('./uvu-fresh.js', import.meta.url));

interface Req {
  /** Test files to run (by path), in order. */
  files: string[] | null;
}

interface Root {
  reporter: AsyncIterable<never>;
  subtests: unknown[];
  harness: { bootstrapComplete: boolean; allowTestsToRun: boolean; teardown(): Promise<void> };
  runInAsyncScope<T>(fn: () => T): T;
  processPendingSubtests(): void;
}

const cwd = process.cwd();
const req = createRequire(join(cwd, 'noop.js'));
const { createTestTree } = createRequire(import.meta.url)('internal/test_runner/harness') as {
  createTestTree(): Root;
};
const EVENTS = ['uncaughtException', 'unhandledRejection', 'beforeExit'];
type Fn = (...a: unknown[]) => void;
const proc = process as unknown as {
  listeners(e: string): Fn[];
  off(e: string, l: Fn): void;
};
type Listeners = Map<string, Set<Fn>>;
const listeners = (): Listeners => new Map(EVENTS.map((e) => [e, new Set(proc.listeners(e))]));
/** Process listeners added since `before` removed (a root's own, or the global root's). */
function dropAdded(before: Listeners): void {
  for (const e of EVENTS)
    for (const l of proc.listeners(e)) if (!before.get(e)?.has(l)) proc.off(e, l);
}

{
  const before = listeners();
  // A root whose async hook stays on: later roots are then known to node's harness as the
  // test context of whatever runs in their scope (a hook records a root only when enabled
  // before it is made).
  createTestTree();
  // node:test's global root, made now (a hook without a test makes it) so that the test
  // files' first `test()` finds it; it never runs a test (every call runs in a run's root).
  (req('node:test') as { before(fn: () => void): void }).before(() => undefined);
  dropAdded(before);
}

let runNo = 0;

/** One test file, as `node file` runs it: its report lines, and whether it exited non-zero. */
async function runFile(file: string): Promise<{ text: string; failed: string | null }> {
  const base = await idleHandles();
  for (const k of Object.keys(req.cache))
    if (!k.includes(`${sep}node_modules${sep}`)) delete req.cache[k];
  const before = listeners();
  process.exitCode = 0;
  const root = createTestTree();
  // Errors raised by tests reach node's handler for this root (they fail the test, as in the
  // process); its handler rethrows before bootstrap, which here is already done.
  root.harness.bootstrapComplete = true;
  let text = '';
  // Set only by what ends the process badly besides failing tests (those fail the run anyway).
  let failed: string | null = null;
  const consumed = (async () => {
    for await (const l of jsonLines(root.reporter)) text += l;
  })();
  const abs = req.resolve(resolve(cwd, file));
  try {
    await root.runInAsyncScope(() =>
      /\.mjs$/.test(abs) || (!/\.cjs$/.test(abs) && isModule(abs))
        ? import(`${pathToFileURL(abs).href}?ls=${runNo}`)
        : req(abs),
    );
  } catch (e) {
    // An error while loading ends the process (exit 1, no test runs), also after tests were
    // registered: node's handler rethrows until its bootstrap (one tick later) is done.
    root.harness.allowTestsToRun = false;
    await root.harness.teardown().catch(() => undefined);
    await consumed;
    dropAdded(before);
    process.exitCode = 0;
    return { text: '', failed: String((e as Error)?.message ?? e).slice(0, 300) };
  }
  queueMicrotask(() => {
    root.harness.allowTestsToRun = true;
    root.processPendingSubtests();
  });
  await untilIdle(base, () => false);
  await root.harness.teardown();
  await consumed;
  dropAdded(before);
  if (process.exitCode) failed ??= `exit code ${process.exitCode}`;
  process.exitCode = 0;
  return { text, failed };
}

/** Whether a .js file loads as an ES module (the nearest package.json says `module`). */
function isModule(abs: string): boolean {
  let dir = abs;
  for (;;) {
    const up = resolve(dir, '..');
    if (up === dir) return false;
    dir = up;
    try {
      return (req(join(dir, 'package.json')) as { type?: string }).type === 'module';
    } catch {
      // no package.json here
    }
  }
}

process.on('message', (msg: Req) => {
  runNo++;
  (async () => {
    let report = '';
    let crash: string | null = null;
    for (const f of msg.files ?? []) {
      const r = await runFile(f);
      report += r.text;
      crash ??= r.failed;
    }
    return { report, crash };
  })().then(
    (res) => process.send?.(res),
    (e) => process.send?.({ error: String((e as Error)?.message ?? e).slice(0, 500) }),
  );
});
process.send?.({ ready: true });

// A long-lived tap process (forked with the working copy as cwd, IPC for requests) that
// runs tap test files one by one as `node file` does (the direct path, ../spawn.ts), minus
// node's and tap's start-up: tap's libraries stay loaded, and per file only its process-root
// singleton is made anew (tap's and @tapjs/core's entry modules and tap.js dropped from the
// require cache, its global constructor mark removed) together with the repository's
// modules. A file's run ends where its process would: when nothing is left in the event loop
// (./idle.ts), then the root's own `beforeExit` and `exit` listeners run (tap ends the root
// there). What the root registered on the process (listeners, the EPIPE guard on stdout, the
// unref'd IPC channel) is undone after each file, and the timers the file left (tap's root
// keeps an unref'd 30 s timeout that outlives its end) are cleared, as the process's end
// would: firing during a later file's run, the old root's timeout wrote `{ setTimeout: 0 }`
// to this worker's parent, which read it as that run's reply (no tests: `invalid`; seen
// only on a loaded machine, where runs took 30 s past a root's start; TAP_TIMEOUT=2 shows it
// at once). Its TAP is captured from stdout, so replies nest and parse as the direct path's
// output; the caller checks the warm reference against tap's own run first.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve, sep } from 'node:path';
import { idleHandles, untilIdle } from './idle.js';

interface Req {
  /** Test files to run (by path), in order. */
  files: string[] | null;
}

/** One file's run, as the direct path records a `node file` process. */
export interface TapFileRun {
  file: string;
  output: string;
  exitCode: number;
}

const cwd = process.cwd();
const req = createRequire(join(cwd, 'noop.js'));
/** tap's modules that hold the process-root singleton. */
const ROOT_MODULES =
  /[\\/](tap[\\/]dist[\\/]commonjs[\\/](index|main)\.js|@tapjs[\\/]core[\\/]dist[\\/]commonjs[\\/](tap|index)\.js)$/;
const EVENTS = ['beforeExit', 'exit', 'message', 'uncaughtException', 'unhandledRejection'];
type Fn = (...a: unknown[]) => void;
const proc = process as unknown as {
  listeners(e: string): Fn[];
  off(e: string, l: Fn): void;
  channel?: { ref(): void };
};
const added = (before: Map<string, Set<Fn>>, e: string) =>
  proc.listeners(e).filter((l) => !before.get(e)?.has(l));
// Every file's root adds process listeners of its own: no leak warning for those.
process.setMaxListeners(0);
// The worker's own replies. tap's roots find `process.send` and tell a parent tap their
// timeouts with it (also after their file's run): a no-op for them, always.
const reply = process.send?.bind(process);
process.send = (() => true) as typeof process.send;

type Timer = ReturnType<typeof setTimeout>;
/**
 * Records the timers made while a file runs (`setTimeout`/`setInterval` are looked up on the
 * global at each call, tap's included); `clear` ends those still pending.
 */
function trackTimers(): { clear(): void } {
  const made = new Set<Timer>();
  const g = globalThis as unknown as Record<
    'setTimeout' | 'setInterval',
    (...a: unknown[]) => Timer
  >;
  const orig = { setTimeout: g.setTimeout, setInterval: g.setInterval };
  for (const k of ['setTimeout', 'setInterval'] as const) {
    const f = orig[k];
    const wrapped = (...a: unknown[]) => {
      const t = f(...a);
      made.add(t);
      return t;
    };
    // `util.promisify(setTimeout)` and friends keep working.
    for (const key of Reflect.ownKeys(f))
      if (!(key in wrapped))
        Object.defineProperty(
          wrapped,
          key,
          Object.getOwnPropertyDescriptor(f, key) as PropertyDescriptor,
        );
    g[k] = wrapped;
  }
  return {
    clear() {
      g.setTimeout = orig.setTimeout;
      g.setInterval = orig.setInterval;
      for (const t of made) clearTimeout(t);
    },
  };
}

/** The request in flight: files done, the file running and its output so far. */
let inFlight: { runs: TapFileRun[]; file: string; output: () => string; rest: string[] } | null =
  null;
// An error nothing handles ends a `node file` process (exit 1) after what it printed: this
// worker dies the same way, leaving the run's record for the suite, which runs the files
// after it on a new worker. A monitor, not a handler: a handler would stop tap's own
// domains from catching errors inside tests.
process.on('uncaughtExceptionMonitor', (e) => {
  const f = inFlight;
  const last = process.env.LOOPSMITH_WARM_LAST;
  if (!f || !last) return;
  const output = `${f.output()}\n${String((e as Error)?.stack ?? e)}\n`;
  writeFileSync(
    last,
    JSON.stringify({
      report: [...f.runs, { file: f.file, output, exitCode: 1 }],
      crash: String((e as Error)?.message ?? e).slice(0, 300),
      rest: f.rest,
    }),
  );
});

async function runFile(file: string, runs: TapFileRun[], rest: string[]): Promise<TapFileRun> {
  const base = await idleHandles();
  for (const k of Object.keys(req.cache))
    if (!k.includes(`${sep}node_modules${sep}`) || ROOT_MODULES.test(k)) delete req.cache[k];
  delete (globalThis as Record<symbol, unknown>)[Symbol.for('TAP private constructor')];
  const before = new Map(EVENTS.map((e) => [e, new Set(proc.listeners(e))]));
  const { emit, write } = process.stdout;
  let output = '';
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const cb = rest.find((x) => typeof x === 'function') as (() => void) | undefined;
    cb?.();
    return true;
  }) as typeof process.stdout.write;
  const timers = trackTimers();
  process.exitCode = 0;
  let exitCode = 0;
  inFlight = { runs, file, output: () => output, rest };
  try {
    req(req.resolve(resolve(cwd, file)));
    await untilIdle(base, () => false);
    // What the process does once its event loop is empty: tap ends the root on beforeExit.
    for (const l of added(before, 'beforeExit')) {
      proc.off('beforeExit', l);
      l(0);
    }
    await untilIdle(base, () => false);
    for (const l of added(before, 'exit')) {
      proc.off('exit', l);
      l(0);
    }
    exitCode = Number(process.exitCode ?? 0);
  } catch (e) {
    // A test file that throws while loading ends its process (exit 1) with what it printed.
    output += `\n${String((e as Error)?.stack ?? e)}\n`;
    exitCode = 1;
  } finally {
    for (const e of EVENTS) for (const l of added(before, e)) proc.off(e, l);
    process.stdout.write = write;
    process.stdout.emit = emit;
    // What the file left pending dies with its process.
    timers.clear();
    proc.channel?.ref();
    process.exitCode = 0;
    inFlight = null;
  }
  return { file, output, exitCode };
}

// tap's libraries load once, before the first run (a new worker's first run is as quick as
// the others; its timeout counts from its request).
try {
  const fromTap = createRequire(req.resolve('tap'));
  fromTap('@tapjs/core');
  fromTap('@tapjs/test');
} catch {
  // tap not found here: the first run reports the error
}

process.on('message', (msg: Req) => {
  (async () => {
    const runs: TapFileRun[] = [];
    const files = msg.files ?? [];
    for (const [i, f] of files.entries())
      runs.push(await runFile(f, [...runs], files.slice(i + 1)));
    return runs;
  })().then(
    // A file's failing exit reads as a crash when no test failed, as for the direct path.
    (report) =>
      reply?.({
        report,
        crash: report.some((r) => r.exitCode !== 0) ? 'a test file exited non-zero' : null,
      }),
    (e) => reply?.({ error: String((e as Error)?.message ?? e).slice(0, 500) }),
  );
});
reply?.({ ready: true });

// A vitest pool (vitest 4's custom pool API: `pool: { name, createPoolWorker }`) whose worker
// threads outlive their runner. vitest's own `threads` pool with `isolate: true` starts a new
// thread for every test file and terminates it after; loading vitest's runtime in a thread
// is most of a small file's cost (measured on the bench library: 145 ms of CPU for one test
// file, 400 ms for three; 11 and 20 ms with threads kept). Each test file still gets its own
// runner ("start", "run", "stop" messages) and, with `isolate: true`, vitest's own reset of
// every module outside vitest before the file (`resetModules`), so module state is fresh per
// file as before; what is kept is the thread: its globals, vitest's modules and the Node
// modules vitest leaves to Node (externalized dependencies). The warm suite only uses this
// when its clean run equals the spawned `vitest run` test for test.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DRAIN, DRAINED, LATE } from './vitest-late.js';

const ENTRY = fileURLToPath(new URL('./vitest-thread.js', import.meta.url));

type Listener = (arg: unknown) => void;
interface PoolOptions {
  distPath: string;
  env: Record<string, string | undefined>;
  execArgv: string[];
}

/** Threads alive, and those not serving a runner right now. */
const alive = new Set<Worker>();
const idle: Worker[] = [];
/** Runners waiting for the thread. */
const waiters: (() => void)[] = [];
/**
 * Files a thread serves before it is replaced (bounds what a long generation accumulates in
 * it). @default 1000 (LOOPSMITH_VITEST_FILES_PER_THREAD)
 */
const FILES_PER_THREAD = Number(process.env.LOOPSMITH_VITEST_FILES_PER_THREAD ?? 1000);
const served = new WeakMap<Worker, number>();

export const KEPT_POOL = 'loopsmith-kept-threads';

/** Errors threads reported after their runner stopped, or threads that died (see `settle`). */
const late: string[] = [];
const drains = new Map<number, () => void>();
let drainId = 0;

/** Forgets late errors of earlier runs (called as a run starts). */
export function clearLate(): void {
  late.length = 0;
}

/**
 * After a run: waits until every kept thread has run the timers already due, then returns
 * the first error thrown after a file's runner stopped (or a thread's death), else null.
 * LOOPSMITH_VITEST_SETTLE=0 skips it (the old behaviour, to measure).
 */
export async function settle(): Promise<string | null> {
  if (process.env.LOOPSMITH_VITEST_SETTLE !== '0')
    await Promise.all(
      [...alive].map(
        (w) =>
          new Promise<void>((resolve) => {
            const id = ++drainId;
            // One exit listener per drain, removed with it (a thread serves many runs).
            const done = () => {
              w.off('exit', done);
              drains.delete(id);
              resolve();
            };
            drains.set(id, done);
            w.once('exit', done);
            w.postMessage({ [DRAIN]: id });
          }),
      ),
    );
  const first = late[0] ?? null;
  late.length = 0;
  return first;
}

/** The pool object to pass as vitest's `pool` option. */
export const keptThreads = {
  name: KEPT_POOL,
  createPoolWorker(options: PoolOptions) {
    const entry = resolve(options.distPath, 'workers/threads.js');
    const attached: [string, Listener][] = [];
    let thread: Worker | null = null;
    const live = (): Worker => {
      if (thread === null) throw new Error('loopsmith vitest pool: thread not started');
      return thread;
    };
    return {
      name: KEPT_POOL,
      on(ev: string, cb: Listener) {
        live().on(ev, cb);
        attached.push([ev, cb]);
      },
      off(ev: string, cb: Listener) {
        live().off(ev, cb);
      },
      send(message: unknown) {
        live().postMessage(message);
      },
      deserialize: (d: unknown) => d,
      async start() {
        // One thread serves every runner: vitest starts the next file's runner before the
        // last one has stopped, and a second thread would miss the invalidations (files
        // changed since) of the runs it did not serve. So wait for the live one to be free.
        while (idle.length === 0 && alive.size > 0)
          await new Promise<void>((ok) => waiters.push(ok));
        let t = idle.pop();
        if (t === undefined) {
          const w = new Worker(ENTRY, {
            workerData: { entry },
            env: options.env,
            execArgv: options.execArgv,
            stdout: true,
            stderr: true,
          });
          // Nobody reads a test's raw output here (the results come through vitest's API).
          w.stdout.resume();
          w.stderr.resume();
          // Kept for the thread's life: late errors and drain replies (./vitest-thread.ts).
          w.on('message', (m: Record<string, unknown> | null) => {
            if (typeof m?.[LATE] === 'string') late.push(m[LATE] as string);
            const id = m?.[DRAINED];
            if (typeof id === 'number') drains.get(id)?.();
          });
          // An error nothing in the thread caught kills it; a spawned run dies of it too.
          w.on('error', (e: Error) => late.push(String(e?.message ?? e)));
          // A thread that died (an error vitest could not catch) is never handed out again.
          alive.add(w);
          w.once('exit', () => {
            alive.delete(w);
            const i = idle.indexOf(w);
            if (i >= 0) idle.splice(i, 1);
            waiters.shift()?.();
          });
          t = w;
        }
        thread = t;
      },
      async stop() {
        const t = live();
        for (const [ev, cb] of attached.splice(0)) t.off(ev, cb);
        thread = null;
        const n = (served.get(t) ?? 0) + 1;
        served.set(t, n);
        if (n >= FILES_PER_THREAD) {
          // Its exit hands the turn to the next runner, which starts a new thread.
          await t.terminate();
          return;
        }
        if (alive.has(t)) idle.push(t);
        waiters.shift()?.();
      },
    };
  },
};

// When a warm worker's run is over the way a runner's process would be: nothing left in the
// event loop but the worker's own handles. tape closes its results, and an uncaught error
// scheduled by a test still crashes a spawned run, only up to that point.

/** The handles of the idle worker, seen from a timer callback (as `untilIdle` sees them). */
export const idleHandles = (): Promise<string[]> =>
  new Promise((ok) => setTimeout(() => ok(process.getActiveResourcesInfo()), 0));

/** Resolves once only `base`'s handles are left (checked every millisecond) or `stop()`. */
export function untilIdle(base: string[], stop: () => boolean): Promise<void> {
  return new Promise((done) => {
    const check = () => {
      if (stop()) return done();
      const left = [...base];
      const busy = process.getActiveResourcesInfo().some((r) => {
        const i = left.indexOf(r);
        if (i < 0) return true;
        left.splice(i, 1);
        return false;
      });
      if (busy) setTimeout(check, 1);
      else done();
    };
    setTimeout(check, 1);
  });
}

/** A warm worker's run state: what crashed the run in flight, and how to end that run. */
export interface RunGuard {
  /** The first uncaught error of the run, or null. */
  crash: string | null;
  /** Ends the run in flight (set while one runs). */
  current: (() => void) | null;
  /** Records an error as the run's crash and ends it (as an uncaught one would). */
  fail: (e: unknown) => void;
  /** Sends a finished run's report to the parent; after a crashed run the worker exits. */
  send: (report: string) => void;
  /** Sends the worker's own failure (not the tests'); the worker exits. */
  sendError: (e: unknown) => void;
}

/** Catches uncaught errors for a worker: they end the run in flight, or the process between runs. */
export function guardRuns(): RunGuard {
  const g: RunGuard = {
    crash: null,
    current: null,
    fail: (e) => crashed(e),
    send: (report) =>
      process.send?.({ report, crash: g.crash, exiting: g.crash !== null }, () => {
        if (g.crash !== null) process.exit(1);
      }),
    sendError: (e) =>
      process.send?.(
        { error: String((e as Error)?.message ?? e).slice(0, 500), exiting: true },
        () => process.exit(1),
      ),
  };
  const crashed = (e: unknown) => {
    g.crash ??= String((e as Error)?.message ?? e).slice(0, 500);
    const c = g.current;
    g.current = null;
    // Between runs (an error a finished run scheduled): this process is done for.
    if (!c) process.exit(1);
    c();
  };
  process.on('uncaughtException', crashed);
  process.on('unhandledRejection', crashed);
  return g;
}

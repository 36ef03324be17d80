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

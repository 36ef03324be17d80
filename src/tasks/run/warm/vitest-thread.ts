// The entry of a vitest worker thread that serves many runs (./vitest-pool.ts): vitest's own
// threads entry, except that its message listener stays on after a "stop". vitest's thread
// removes every message listener when its runner stops (it expects to be terminated next);
// here the listeners it added come back at once, so the next runner's "start" reaches the
// same loaded runtime (vitest, its runner, the module evaluator) instead of a new thread.
// An error a file leaves behind (a 0 ms timer after its last test) can be thrown after its
// runner stopped: vitest's listener reports it over the stopped runner's channel, which
// nobody reads any more (a spawned `vitest run` counts it: exit 1). Such a late report goes
// to the pool instead (`LATE`), and the pool's `DRAIN` ping is answered only after the timers
// already due have run, so a run's end waits for what its files scheduled (./vitest-pool.ts).

import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { DRAIN, DRAINED, LATE } from './vitest-late.js';

const port = parentPort;
if (port === null) throw new Error('vitest-thread: not in a worker thread');
const on = port.on.bind(port);
const removeAll = port.removeAllListeners.bind(port);
const kept: ((...a: unknown[]) => void)[] = [];
port.on = ((ev: string, cb: (...a: unknown[]) => void) => {
  if (ev === 'message') kept.push(cb);
  return on(ev, cb);
}) as typeof port.on;
port.removeAllListeners = ((ev?: string) => {
  const r = removeAll(ev as 'message');
  if (ev === 'message') for (const cb of kept) on('message', cb);
  return r;
}) as typeof port.removeAllListeners;
type Msg = Record<string, unknown> | null | undefined;
const post = port.postMessage.bind(port);
/**
 * After this thread's runner said its file finished, until the next runner's "start": the
 * main side reads nothing from that runner any more (an error reported between
 * "testfileFinished" and "stopped" went unanswered as well as one after "stopped").
 */
let between = false;
port.postMessage = ((msg: Msg, ...rest: unknown[]) => {
  if (between && msg?.t === 'q') {
    if (msg.m === 'onUnhandledError') {
      const err = (msg.a as { message?: unknown }[] | undefined)?.[0];
      post({ [LATE]: String(err?.message ?? 'an error after the test file ended') });
    }
    // Every RPC call has no timeout, and vitest's next runner waits for all calls in flight
    // before it reports its file done (rpcDone): answer it here, or the next run hangs
    // until the suite's timeout (seen on a cold disk cache, dev/LOG.md "ci-vitest").
    if (msg.i !== undefined) {
      const reply = { t: 's', i: msg.i };
      setImmediate(() => {
        for (const cb of kept) if (cb !== watch) cb(reply);
      });
    }
    return;
  }
  const type = msg?.__vitest_worker_response__ === true ? msg.type : undefined;
  if (type === 'testfileFinished' || type === 'stopped') between = true;
  (post as (...a: unknown[]) => void)(msg, ...rest);
}) as typeof port.postMessage;
const watch = (msg: Msg) => {
  if (msg?.__vitest_worker_request__ === true && msg.type === 'start') between = false;
  // A timer already due (set before this ping came) runs before this one does.
  if (msg?.[DRAIN] !== undefined) setTimeout(() => post({ [DRAINED]: msg[DRAIN] }), 0);
};
await import(pathToFileURL((workerData as { entry: string }).entry).href);
// After vitest's own listener: the first listener on the port starts its delivery, and a
// "start" that came before vitest listened would be lost.
kept.push(watch as (...a: unknown[]) => void);
on('message', watch);

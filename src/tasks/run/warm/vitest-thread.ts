// The entry of a vitest worker thread that serves many runs (./vitest-pool.ts): vitest's own
// threads entry, except that its message listener stays on after a "stop". vitest's thread
// removes every message listener when its runner stops (it expects to be terminated next);
// here the listeners it added come back at once, so the next runner's "start" reaches the
// same loaded runtime (vitest, its runner, the module evaluator) instead of a new thread.

import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

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
await import(pathToFileURL((workerData as { entry: string }).entry).href);

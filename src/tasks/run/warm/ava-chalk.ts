// Module load hook of the warm ava worker (./ava-worker.ts): ava's CLI configures its chalk
// once per process and throws when asked again; the worker runs the CLI once per request
// with the same colour level, so the guard is lifted in ava's lib/chalk.js. When the text is
// not there (another ava), nothing changes: the worker's start-up check then fails and the
// caller spawns ava instead.
type Next = (url: string, c: object) => Promise<{ source?: unknown; format?: string }>;

/** The load hook. */
export async function load(url: string, context: object, next: Next) {
  const r = await next(url, context);
  if (!/\/ava\/lib\/chalk\.js$/.test(url) || r.source === undefined) return r;
  const source = String(r.source).replace('if (configured) {', 'if (false) {');
  return { ...r, source, shortCircuit: true };
}

// Module resolve hook of the warm uvu worker (./uvu-worker.ts): a repository module imported
// from a module of run N (its URL ends in `?ls=N`) resolves to `...?ls=N` too, so each run
// loads every repository module anew (the mutant read from disk) while node_modules and
// loopsmith's own modules stay loaded. CommonJS files are dropped from the cache instead.
import { pathToFileURL } from 'node:url';

const ROOT = `${pathToFileURL(process.cwd()).href}/`;
const RUN = /[?&]ls=(\d+)$/;

type Next = (s: string, c: { parentURL?: string }) => Promise<{ url: string; format?: string }>;

/** The resolve hook. */
export async function resolve(
  specifier: string,
  context: { parentURL?: string },
  next: Next,
): Promise<{ url: string; format?: string; shortCircuit?: boolean }> {
  const r = await next(specifier, context);
  const run = context.parentURL ? RUN.exec(context.parentURL) : null;
  if (run && r.url.startsWith(ROOT) && !r.url.includes('/node_modules/') && !RUN.test(r.url))
    return { ...r, url: `${r.url}?ls=${run[1]}`, shortCircuit: true };
  return r;
}

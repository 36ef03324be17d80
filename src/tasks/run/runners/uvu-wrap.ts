// What test files get for `import ... from 'uvu'` under loopsmith (see ./uvu-hook.ts): the
// real uvu (resolved from the repository), with every registered test body wrapped so its
// outcome lands in loopsmith's report.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { callerFile, writeReport } from './report.js';

type Handler = (ctx: unknown) => unknown;
type Test = ((name: string, fn: Handler) => void) & Record<string, unknown>;

const self = fileURLToPath(new URL('.', import.meta.url));
// uvu's package exports map `import` to dist/index.mjs: resolve it from the repository.
const cjsMain = createRequire(join(process.cwd(), 'noop.js')).resolve('uvu');
const real = (await import(pathToFileURL(join(dirname(cjsMain), 'index.mjs')).href)) as {
  suite: (name?: string, ctx?: unknown) => Test;
  test: Test;
  exec: (bail?: boolean) => Promise<unknown>;
};

function wrapTest(t: Test, suiteName: string): Test {
  const register = (fn: (name: string, h: Handler) => void) => (name: string, h: Handler) => {
    const file = callerFile(self);
    const titles = [suiteName, name];
    writeReport({ file, titles, register: true });
    fn(name, async (ctx: unknown) => {
      try {
        await h(ctx);
        writeReport({ file, titles, status: 'pass' });
      } catch (e) {
        writeReport({ file, titles, status: 'fail', error: String((e as Error)?.message ?? e) });
        throw e;
      }
    });
  };
  const wrapped = register(t) as unknown as Test;
  for (const k of Object.keys(t)) wrapped[k] = t[k];
  wrapped.only = register(t.only as never);
  return wrapped;
}

/** uvu's suite(), recording. */
export function suite(name = '', ctx?: unknown): Test {
  return wrapTest(real.suite(name, ctx), name);
}
/** uvu's default suite, recording. */
export const test = wrapTest(real.test, '');
export const exec = real.exec;

// What test files get for `import ... from 'uvu'` under loopsmith (see ./uvu-hook.ts): the
// real uvu (resolved from the repository), with every registered test body wrapped so its
// outcome lands in loopsmith's report.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Test, wrapTest } from './uvu-record.js';

// uvu's package exports map `import` to dist/index.mjs: resolve it from the repository.
const cjsMain = createRequire(join(process.cwd(), 'noop.js')).resolve('uvu');
const real = (await import(pathToFileURL(join(dirname(cjsMain), 'index.mjs')).href)) as {
  suite: (name?: string, ctx?: unknown) => Test;
  test: Test;
  exec: (bail?: boolean) => Promise<unknown>;
};

/** uvu's suite(), recording. */
export function suite(name = '', ctx?: unknown): Test {
  return wrapTest(real.suite(name, ctx), name);
}
/** uvu's default suite, recording. */
export const test = wrapTest(real.test, '');
export const exec = real.exec;

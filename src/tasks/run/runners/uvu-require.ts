// `require('uvu')` under loopsmith: module resolve hooks (./uvu-resolve.ts) do not see
// CommonJS requires on Node 20, so test files written `const { test } = require('uvu')` (as
// uvu's README also shows) would run unrecorded and the run would yield no results. This
// hands them the real CommonJS uvu with the same recording test functions. uvu's queue is on
// globalThis, so these suites run under the ES module `exec` as well.
import Module from 'node:module';
import { type Test, wrapTest } from './uvu-record.js';

interface Uvu {
  suite: (name?: string, ctx?: unknown) => Test;
  test: Test;
  exec: (bail?: boolean) => Promise<unknown>;
}
type Load = (request: string, parent: unknown, isMain: boolean) => unknown;

const M = Module as unknown as { _load: Load };
const load = M._load;
const wrapped = new WeakMap<object, Uvu>();

M._load = function (request, parent, isMain) {
  const real = load.call(this, request, parent, isMain);
  if (request !== 'uvu') return real;
  const u = real as Uvu;
  let w = wrapped.get(u);
  if (!w) {
    w = {
      ...u,
      suite: (name = '', ctx?: unknown) => wrapTest(u.suite(name, ctx), name),
      test: wrapTest(u.test, ''),
    };
    wrapped.set(u, w);
  }
  return w;
};

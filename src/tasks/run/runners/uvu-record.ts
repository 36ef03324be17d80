// uvu's registration functions, recording: every test body is wrapped so its outcome lands in
// loopsmith's report (file from the caller, suite name, test name). Shared by the ES module
// wrapper (./uvu-wrap.ts) and the CommonJS one (./uvu-require.ts).
import { fileURLToPath } from 'node:url';
import { callerFile, writeReport } from './report.js';

type Handler = (ctx: unknown) => unknown;
export type Test = ((name: string, fn: Handler) => void) & Record<string, unknown>;

const self = fileURLToPath(new URL('.', import.meta.url));

/** A suite's `test` function whose registered bodies report pass or fail. */
export function wrapTest(t: Test, suiteName: string): Test {
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

// The grading run's node:test reporter (loaded by the test runner's own process through
// NODE_OPTIONS, never by a test file's process). It writes the same lines as the task
// factory's reporter (src/tasks/run/reporter.ts), each authenticated: "<hmac> <json>", the
// JSON carrying a sequence number, and a last "end" line with the runner's own counts. The
// key comes from a file that is read and deleted when this module loads, which node does
// before it starts any test file's process; the variable naming it and the reporter flags
// are removed from the environment the test processes inherit. So code under test can
// write to this file (it is in the writable grading copy) but cannot forge a line in it.
import { createHmac } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';

/** Environment variable naming the key file (removed once read; not named "KEY": the sandbox drops such names). */
export const KEY_ENV = 'LOOPSMITH_GRADE_SEAL';

interface Ev {
  type: string;
  data: {
    name?: string;
    nesting?: number;
    file?: string;
    skip?: unknown;
    todo?: unknown;
    message?: string;
    details?: { type?: string; error?: { message?: string; cause?: { message?: string } } };
  };
}

let key: Buffer | null = null;
const keyFile = process.env[KEY_ENV];
if (keyFile) {
  try {
    key = readFileSync(keyFile);
    unlinkSync(keyFile);
  } catch {
    key = null;
  }
}
delete process.env[KEY_ENV];
if (process.env.NODE_OPTIONS)
  process.env.NODE_OPTIONS = process.env.NODE_OPTIONS.split(/\s+/)
    .filter((a) => a !== '' && !a.startsWith('--test-reporter'))
    .join(' ');

/** The reporter: an async generator over node:test's event stream. */
export default async function* signedLines(source: AsyncIterable<Ev>): AsyncGenerator<string> {
  let seq = 0;
  const sign = (o: Record<string, unknown>): string => {
    const json = JSON.stringify({ ...o, seq: seq++ });
    const mac = key ? createHmac('sha256', key).update(json).digest('hex') : 'unsigned';
    return `${mac} ${json}\n`;
  };
  // The runner's own totals (its closing diagnostics: "pass 12", "fail 1", ...).
  const totals: Record<string, number> = {};
  for await (const e of source) {
    const d = e.data;
    if (e.type === 'test:diagnostic' && d.nesting === 0 && typeof d.message === 'string') {
      const m = /^(tests|suites|pass|fail|cancelled|skipped|todo) (\d+)$/.exec(d.message);
      if (m) totals[m[1]] = Number(m[2]);
      continue;
    }
    if (e.type !== 'test:start' && e.type !== 'test:pass' && e.type !== 'test:fail') continue;
    const err = d.details?.error;
    yield sign({
      type: e.type,
      name: d.name,
      nesting: d.nesting,
      file: d.file,
      skip: Boolean(d.skip) || Boolean(d.todo),
      suite: d.details?.type === 'suite',
      error: err ? String(err.cause?.message ?? err.message ?? err) : undefined,
    });
  }
  yield sign({ type: 'end', totals });
}

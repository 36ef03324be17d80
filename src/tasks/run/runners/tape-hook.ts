// Preloaded with `--import` into `tape` runs: tape prints flat TAP (no files, subtests not
// nested), so this wraps the repository's own tape harness to learn each test's file from
// its caller, listens to each test's events, and writes loopsmith's report lines.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callerFile, writeReport } from './report.js';

type Harness = (...args: unknown[]) => unknown;

const self = fileURLToPath(new URL('.', import.meta.url));
const req = createRequire(join(process.cwd(), 'noop.js'));
let path: string | undefined;
try {
  path = req.resolve('tape');
} catch {
  // not a tape run after all: stay out of the way
}
if (path) {
  const tape = req(path) as Harness;
  // Top-level tests by name, in declaration order, with the file that declared them.
  const files = new Map<string, string[]>();
  const wrap = (fn: (...a: unknown[]) => unknown) =>
    new Proxy(fn, {
      apply(target, thisArg, args) {
        const name = typeof args[0] === 'string' ? args[0] : '(anonymous)';
        files.set(name, [...(files.get(name) ?? []), callerFile(self)]);
        return Reflect.apply(target, thisArg, args);
      },
    });
  const proxy = new Proxy(tape, {
    apply(target, thisArg, args) {
      return wrap(target as never).apply(thisArg, args);
    },
    get(target, key, recv) {
      const v = Reflect.get(target, key, recv);
      return key === 'only' && typeof v === 'function' ? wrap(v) : v;
    },
  });
  const cached = req.cache[path];
  if (cached) cached.exports = proxy;
  // Each test reports through its own events ('result' per assertion, 'end'); tape's
  // object stream would replace its TAP output and, under its bin, never start.
  type T = {
    name?: string;
    _skip?: boolean;
    on(ev: string, fn: (x: never) => void): void;
    __ls?: { file: string; titles: string[]; failed: string | null };
  };
  const proto = (tape as unknown as { Test: { prototype: { run(this: T): unknown } } }).Test
    .prototype;
  const run = proto.run;
  proto.run = function (this: T) {
    if (!this.__ls) {
      const name = this.name ?? '(anonymous)';
      this.__ls = { file: files.get(name)?.shift() ?? '<unknown>', titles: [name], failed: null };
    }
    const me = this.__ls;
    let suite = false;
    this.on('test', (child: T) => {
      suite = true;
      const name = child.name ?? '(anonymous)';
      child.__ls = { file: me.file, titles: [...me.titles, name], failed: null };
    });
    this.on(
      'result',
      (r: { ok?: boolean; skip?: boolean; name?: string; error?: { message?: string } }) => {
        if (r && typeof r === 'object' && !r.ok && !r.skip && me.failed === null)
          me.failed = r.error?.message ?? r.name ?? 'assertion failed';
      },
    );
    let ended = false;
    this.on('end', () => {
      if (ended) return;
      ended = true;
      // A test with subtests is their suite: reported only when its own assertions failed.
      if (suite && me.failed === null) return;
      writeReport({
        file: me.file,
        titles: me.titles,
        status: this._skip ? 'skip' : me.failed === null ? 'pass' : 'fail',
        error: me.failed ?? undefined,
      });
    });
    return run.call(this);
  };
}

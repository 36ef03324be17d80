// How loopsmith reads a tape run: tape prints flat TAP (no files, subtests not nested), so
// the repository's own harness is wrapped to learn each test's file from its caller, each
// test's events are listened to, and one report line per test is handed to `emit`. Used by
// the `--import` hook of spawned runs (./tape-hook.ts) and by the warm tape worker, which
// loads a fresh tape for every run (../warm/tape-worker.ts).
import { callerFile, type ReportLine } from './report.js';

type Harness = (...args: unknown[]) => unknown;

/**
 * Instruments the tape module loaded at `path` (its require cache entry's exports become
 * the wrapper); `skip` is the directory whose stack frames are not test files.
 */
export function instrumentTape(
  cache: Record<string, { exports: unknown } | undefined>,
  path: string,
  tape: Harness,
  skip: string,
  emit: (line: ReportLine) => void,
): Harness {
  // Top-level tests by name, in declaration order, with the file that declared them.
  const files = new Map<string, string[]>();
  const wrap = (fn: (...a: unknown[]) => unknown) =>
    new Proxy(fn, {
      apply(target, thisArg, args) {
        const name = typeof args[0] === 'string' ? args[0] : '(anonymous)';
        files.set(name, [...(files.get(name) ?? []), callerFile(skip)]);
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
  const cached = cache[path];
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
      emit({
        file: me.file,
        titles: me.titles,
        status: this._skip ? 'skip' : me.failed === null ? 'pass' : 'fail',
        error: me.failed ?? undefined,
      });
    });
    return run.call(this);
  };
  return proxy;
}

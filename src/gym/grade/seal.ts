// The seal of a grading run of a runner other than node:test (mocha, jest, vitest, tap, tape,
// ava, uvu). Installed by grade/preload.ts, which NODE_OPTIONS loads into every node process
// of the run before any code of the repository. The first process to load it (the runner's
// own main process: the one the test command starts) reads the run's key from a file and
// deletes it, removes the variables that name it from its environment (so processes it
// starts later, workers and test-file processes among them, inherit neither), and from then
// on writes authenticated lines ("<hmac> <json>", sequence numbered, closed by an "end" line
// at exit) to the sealed file. What it writes depends on the runner:
//   - report (mocha, tape, uvu): their in-process reporter hands its report lines over. The
//     reporter claims the seal when it loads, before any test file (so before code under
//     test); the seal is handed out once, and a second claim writes a signed alarm line, so
//     code under test can neither sign lines of its own nor take the seal unnoticed.
//   - file (jest, vitest): the runner's main process writes its JSON report; the seal signs
//     the digest of what it wrote, so a report replaced by anything else is detected.
//   - tee (tap, ava): the runner's main process prints TAP; the seal signs every chunk it
//     writes to stdout, so TAP written into the output by anything else (a test process
//     writing to the runner's stdout through /proc) is not read.
// The crypto, fs and JSON functions are captured when the seal is installed: code under test
// that patches them later changes nothing here. Limits (same process as the code under test,
// which mocha, tape, uvu and jest with one test file are): the key is in this process's
// memory, reachable through node:inspector or /proc/self/mem (the diff audit flags both), and
// what the runner's own objects tell the reporter can be patched (the canaries catch that).
import { createHash, createHmac } from 'node:crypto';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { resolve } from 'node:path';

/** Environment of a sealed run (all removed by the process that takes the key). */
export const SEAL_ENV = {
  /** Path of the key file (read and deleted by the first process). Not named KEY: the sandbox drops such names. */
  key: 'LOOPSMITH_GRADE_RUNSEAL',
  /** Path of the sealed file the lines go to. */
  out: 'LOOPSMITH_GRADE_SEALED',
  /** Comma-separated: report, file, tee (see the top of this file). */
  mode: 'LOOPSMITH_GRADE_MODE',
  /** file mode: the runner's report path. */
  watch: 'LOOPSMITH_GRADE_WATCH',
} as const;

export type SealMode = 'report' | 'file' | 'tee';

/** Global the in-process reporters claim the seal through (report mode only). */
export const SEAL_SYMBOL = Symbol.for('loopsmith.grade.seal');

/** Installs the seal when this process is the first of a sealed run; otherwise does nothing. */
export function installSeal(): void {
  const env = process.env;
  const keyPath = env[SEAL_ENV.key];
  const outPath = env[SEAL_ENV.out];
  const mode = env[SEAL_ENV.mode];
  const watch = env[SEAL_ENV.watch];
  for (const k of Object.values(SEAL_ENV)) delete env[k];
  if (!keyPath || !outPath || !mode) return;
  const modes = new Set(mode.split(','));
  let key: Buffer;
  let fd: number;
  try {
    key = fs.readFileSync(keyPath);
    fs.unlinkSync(keyPath);
    fd = fs.openSync(outPath, 'a');
  } catch {
    return;
  }
  const apply = Reflect.apply;
  const stringify = JSON.stringify;
  const writeSync = fs.writeSync;
  const bufferFrom = Buffer.from.bind(Buffer);
  const hmac = createHmac('sha256', key);
  const hmacProto = Object.getPrototypeOf(hmac) as { update: unknown; digest: unknown };
  const update = hmacProto.update as (s: string) => void;
  const digest = hmacProto.digest as (e: string) => string;
  const hashProto = Object.getPrototypeOf(createHash('sha256')) as typeof hmacProto;
  const hashUpdate = hashProto.update as (s: string | Buffer) => void;
  const hashDigest = hashProto.digest as (e: string) => string;
  let seq = 0;
  const emit = (o: Record<string, unknown>) => {
    const json = apply(stringify, JSON, [{ ...o, seq: seq++ }]) as string;
    const h = createHmac('sha256', key);
    apply(update, h, [json]);
    const mac = apply(digest, h, ['hex']) as string;
    try {
      apply(writeSync, fs, [fd, `${mac} ${json}\n`]);
    } catch {
      // the file was taken away: the grader sees the lines missing
    }
  };
  const counts = { lines: 0 };
  process.on('exit', (code) => emit({ type: 'end', mode, code, ...counts }));
  if (modes.has('report')) {
    let taken = false;
    const line = (payload: unknown) => {
      counts.lines++;
      emit({ type: 'report', line: payload });
    };
    Object.defineProperty(globalThis, SEAL_SYMBOL, {
      configurable: false,
      enumerable: false,
      get() {
        if (taken) {
          emit({ type: 'alarm', reason: 'the seal was claimed twice' });
          return null;
        }
        taken = true;
        return line;
      },
    });
  }
  if (modes.has('file') && watch) {
    const target = resolve(watch);
    const hit = (p: unknown) => {
      try {
        return resolve(p instanceof URL ? p.pathname : String(p)) === target;
      } catch {
        return false;
      }
    };
    const sha = (data: unknown) => {
      const h = createHash('sha256');
      apply(hashUpdate, h, [typeof data === 'string' ? data : bufferFrom(data as Uint8Array)]);
      return apply(hashDigest, h, ['hex']) as string;
    };
    // The runner writes its report once; any later write to it is someone else's.
    let written = false;
    const signWrite = (data: unknown) => {
      if (written) emit({ type: 'alarm', reason: 'the report file was written twice' });
      written = true;
      emit({ type: 'file', sha256: sha(data) });
    };
    const sync = fs.writeFileSync;
    const promised = fs.promises.writeFile;
    fs.writeFileSync = function (this: unknown, p: unknown, data: unknown, ...rest: unknown[]) {
      const r = apply(sync, this, [p, data, ...rest]);
      if (hit(p)) signWrite(data);
      return r;
    } as typeof fs.writeFileSync;
    fs.promises.writeFile = async function (
      this: unknown,
      p: unknown,
      data: unknown,
      ...rest: unknown[]
    ) {
      const r = await apply(promised, this, [p, data, ...rest]);
      if (hit(p)) signWrite(data);
      return r;
    } as typeof fs.promises.writeFile;
    syncBuiltinESMExports();
  }
  if (modes.has('tee')) {
    const out = process.stdout;
    const write = out.write;
    const decode = (c: unknown) =>
      typeof c === 'string' ? c : bufferFrom(c as Uint8Array).toString('utf8');
    out.write = function (this: unknown, chunk: unknown, ...rest: unknown[]) {
      counts.lines++;
      emit({ type: 'out', text: decode(chunk) });
      return apply(write, this, [chunk, ...rest]);
    } as typeof out.write;
  }
}

/** What the grader reads back from a sealed file (lines already authenticated). */
export interface SealedRun {
  /** report mode: the reporter's lines, one JSON per line (as the runner's parser reads them). */
  report: string;
  /** file mode: digests of the report as the runner wrote it, in order. */
  files: string[];
  /** tee mode: the runner's stdout. */
  out: string;
  /** Signed alarms (the seal claimed twice). */
  alarms: string[];
  /** The runner process's exit code as it saw it (end line). */
  code?: number;
}

/** Splits verified sealed lines (JSON, "end" excluded) by type. */
export function readSealed(lines: string[], end?: Record<string, unknown>): SealedRun {
  const r: SealedRun = { report: '', files: [], out: '', alarms: [] };
  const report: string[] = [];
  const out: string[] = [];
  for (const l of lines) {
    const o = JSON.parse(l) as {
      type: string;
      line?: unknown;
      sha256?: string;
      text?: string;
      reason?: string;
    };
    if (o.type === 'report') report.push(JSON.stringify(o.line));
    else if (o.type === 'file' && o.sha256) r.files.push(o.sha256);
    else if (o.type === 'out') out.push(o.text ?? '');
    else if (o.type === 'alarm') r.alarms.push(o.reason ?? 'alarm');
  }
  r.report = report.join('\n');
  r.out = out.join('');
  if (typeof end?.code === 'number') r.code = end.code;
  return r;
}

/** sha256 of bytes as the seal computes it. */
export const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

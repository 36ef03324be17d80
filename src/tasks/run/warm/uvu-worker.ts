// A long-lived uvu process (forked with the working copy as cwd, IPC for requests). `uvu`
// runs every test file in one process, so a warm run is what its bin does (uvu/run: queue
// each suite file, import it, `exec()`), minus node's start-up: every repository module is
// loaded anew for each run (ES modules under a per-run URL, ./uvu-fresh.ts; CommonJS ones
// dropped from the require cache), test files get loopsmith's recording uvu
// (../runners/uvu-wrap.ts) and the results come back as loopsmith's report lines.
import { readFileSync, rmSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { guardRuns, idleHandles, untilIdle } from './idle.js';

import '../runners/uvu-require.js';

register(new URL('../runners/uvu-resolve.js', import.meta.url));
register(new URL('./uvu-fresh.js', import.meta.url));

interface Req {
  /** The script's uvu arguments (`[dir] [pattern]`, `-i`, `-C`). */
  args: string[];
  /** Test files to run (by path), or null for the whole suite. */
  files: string[] | null;
}

const cwd = process.cwd();
const req = createRequire(join(cwd, 'noop.js'));
const { parse } = req('uvu/parse') as {
  parse(
    dir: string | undefined,
    pattern: string | undefined,
    o: object,
  ): Promise<{ suites: { name: string; file: string }[] }>;
};
const report = join(tmpdir(), `loopsmith-uvu-${process.pid}.jsonl`);
process.env.LOOPSMITH_REPORT = report;
const g = globalThis as Record<string, unknown>;
g.UVU_DEFER = 1;
const { exec } = (await import(new URL('../runners/uvu-wrap.js', import.meta.url).href)) as {
  exec(bail?: boolean): Promise<void>;
};
let runNo = 0;
const guard = guardRuns();

/** uvu's own argument words: `[dir] [pattern]`, `-i X` (repeatable), `-C X`. */
function cliArgs(args: string[]): { dir?: string; pattern?: string; opts: object } {
  const pos: string[] = [];
  const ignore: string[] = [];
  let at = cwd;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-i' || a === '--ignore') ignore.push(args[++i]);
    else if (a === '-C' || a === '--cwd') at = args[++i];
    else if (a === '-c' || a === '--color' || a === '--no-color') continue;
    else pos.push(a);
  }
  return { dir: pos[0], pattern: pos[1], opts: { cwd: at, ignore } };
}

async function run(r: Req): Promise<void> {
  const base = await idleHandles();
  runNo++;
  for (const k of Object.keys(req.cache))
    if (!k.includes(`${sep}node_modules${sep}`)) delete req.cache[k];
  rmSync(report, { force: true });
  guard.crash = null;
  process.exitCode = 0;
  g.UVU_QUEUE = [];
  const a = cliArgs(r.args);
  const suites = r.files
    ? r.files.map((f) => ({ name: f, file: join(cwd, f) }))
    : (await parse(a.dir, a.pattern, a.opts)).suites;
  let stop = () => {};
  const finished = new Promise<void>((done) => {
    guard.current = done;
    stop = done;
  });
  const work = (async () => {
    let idx = 0;
    for (const s of suites) {
      g.UVU_INDEX = idx++;
      (g.UVU_QUEUE as unknown[][]).push([relative(cwd, s.file) || s.name]);
      await import(`${pathToFileURL(s.file).href}?ls=${runNo}`);
    }
    await exec(false);
    // The process would exit only now: an error scheduled by a test still ends it badly.
    await untilIdle(base, () => guard.current !== stop);
  })();
  await Promise.race([work.catch(guard.fail), finished]);
  guard.current = null;
}

process.on('message', (msg: Req) => {
  run(msg).then(
    () => {
      let text = '';
      try {
        text = readFileSync(report, 'utf8');
      } catch {
        // no test reported
      }
      guard.send(text);
    },
    (e) => guard.sendError(e),
  );
});
process.send?.({ ready: true });

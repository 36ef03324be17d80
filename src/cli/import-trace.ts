// Lists the modules a CLI invocation imports, through a resolve hook in the child process:
// the start-up test and bench check that `--version` and `--help` load almost nothing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const HOOK = `import { appendFileSync } from 'node:fs';
export async function resolve(spec, ctx, next) {
  const r = await next(spec, ctx);
  if (r.url.startsWith('file:')) appendFileSync(process.env.LOOPSMITH_IMPORT_LOG, r.url + '\\n');
  return r;
}`;

/** Runs `node cli ...args` and returns the file URLs it imported (ESM), in order, deduplicated. */
export function importedModules(
  cli: string,
  args: string[],
): { urls: string[]; status: number | null } {
  const dir = mkdtempSync(join(tmpdir(), 'loopsmith-imports-'));
  try {
    const hook = join(dir, 'hook.mjs');
    const log = join(dir, 'log.txt');
    writeFileSync(hook, HOOK);
    writeFileSync(log, '');
    const reg = `import{register}from'node:module';register(${JSON.stringify(pathToFileURL(hook).href)});`;
    const r = spawnSync(
      process.execPath,
      ['--import', `data:text/javascript,${encodeURIComponent(reg)}`, cli, ...args],
      { encoding: 'utf8', env: { ...process.env, LOOPSMITH_IMPORT_LOG: log }, timeout: 60_000 },
    );
    const urls = [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))];
    return { urls, status: r.status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Reuse of sandboxed command results across the episodes of one rollout run. Teacher data
// runs the same test command on the same workspace state again and again: every seed of a
// task starts from the same buggy files, and every task of a repository ends on its clean
// files. A command that left the workspace exactly as it found it (and did not time out)
// is recorded under (command, options, workspace content); the next identical call replays
// its result, byte for byte what the real sandbox printed. Only for deterministic
// repositories (the factory's), and only inside `rollout --reuse-runs`: never for a user's
// session, whose commands may read the clock, the network or state outside the workspace.
// Grading never goes through it (it runs in its own sandbox on a clean copy).
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { ExecOptions, ExecResult, Sandbox } from '../sandbox/types.js';

/** Folders left out of the workspace's fingerprint: harness output and git internals. */
const SKIP = new Set(['.loopsmith', '.git', '.loopsmith-grade']);

interface Entry {
  result: ExecResult;
  /** The complete output when the sandbox spilled it (output over its cap). */
  spill?: Buffer;
}

/** The shared record of one run; `hits`/`misses` say how much it saved. */
export class ExecMemo {
  readonly entries = new Map<string, Entry>();
  hits = 0;
  misses = 0;
  /** Results kept; the oldest go first past it. @default 4000 */
  constructor(readonly maxEntries = 4000) {}

  put(key: string, e: Entry): void {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, e);
  }
}

/** A digest of every file of the workspace (paths and contents), harness folders left out. */
export async function workspaceDigest(root: string): Promise<string> {
  const h = createHash('sha256');
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    );
    for (const e of entries) {
      if (SKIP.has(e.name) && dir === root) continue;
      const p = join(dir, e.name);
      const rel = relative(root, p);
      if (e.isDirectory()) {
        h.update(`d ${rel}\n`);
        await walk(p);
      } else if (e.isFile()) {
        const body = await readFile(p);
        h.update(`f ${rel} ${body.length}\n`).update(body);
      } else h.update(`o ${rel}\n`);
    }
  };
  await walk(root);
  return h.digest('hex');
}

/** `inner` with identical calls on an identical workspace answered from `memo`. */
export function memoSandbox(inner: Sandbox, memo: ExecMemo): Sandbox {
  return {
    kind: inner.kind,
    root: inner.root,
    workdir: inner.workdir,
    async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
      if (options.signal?.aborted) return inner.exec(command, options);
      const before = await workspaceDigest(inner.root);
      const { signal: _signal, spillPath, cwd, ...rest } = options;
      // The cwd relative to the workspace: episodes' workspaces live at different host paths.
      const at = cwd === undefined ? '' : relative(inner.root, resolve(inner.root, cwd));
      const key = createHash('sha256')
        .update(JSON.stringify([inner.kind, inner.workdir, command, at, rest, before]))
        .digest('hex');
      const hit = memo.entries.get(key);
      if (hit) {
        memo.hits++;
        if (hit.spill && spillPath) await writeFile(spillPath, hit.spill);
        return { ...hit.result };
      }
      memo.misses++;
      const result = await inner.exec(command, options);
      if (result.timedOut || (await workspaceDigest(inner.root)) !== before) return result;
      const spill =
        result.truncated && spillPath
          ? await readFile(spillPath).catch(() => undefined)
          : undefined;
      if (result.truncated && spillPath && !spill) return result;
      memo.put(key, { result: { ...result }, spill });
      return result;
    },
  };
}

// The sandbox's fallback node_modules: a folder holding only links to packages loopsmith
// itself ships (tsx), shown read-only at /node_modules inside bwrap. Generated TypeScript
// repositories say `node --import tsx --test ...` in package.json without installing tsx;
// with this folder that command runs verbatim in the sandbox, as a person would type it,
// instead of a machine-specific loader path. A repository's own node_modules wins (Node
// looks there first).

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, realpathSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Packages linked into the toolchain folder (when installed beside loopsmith). */
export const TOOLCHAIN_PACKAGES = ['tsx'];

let cached: string | null | undefined;

/** Host path of the toolchain's node_modules (created once per process), or null when no package is installed. */
export function toolchainNodeModules(): string | null {
  if (cached !== undefined) return cached;
  const require = createRequire(import.meta.url);
  const links: [name: string, target: string][] = [];
  for (const name of TOOLCHAIN_PACKAGES) {
    try {
      links.push([name, realpathSync(dirname(require.resolve(`${name}/package.json`)))]);
    } catch {
      // Not installed: commands needing it fail visibly in the sandbox, as they would anywhere.
    }
  }
  if (links.length === 0) {
    cached = null;
    return cached;
  }
  // Keyed by the link targets, so two installations never share (or fight over) a folder.
  const key = createHash('sha256').update(JSON.stringify(links)).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), `loopsmith-toolchain-${key}`, 'node_modules');
  if (!links.every(([name]) => existsSync(join(dir, name)))) {
    // Built beside and renamed into place: concurrent processes never see half a folder.
    const tmp = `${dir}.${process.pid}.tmp`;
    mkdirSync(tmp, { recursive: true });
    for (const [name, target] of links)
      if (!existsSync(join(tmp, name))) symlinkSync(target, join(tmp, name), 'dir');
    try {
      renameSync(tmp, dir);
    } catch {
      // Another process won the race; its folder holds the same links.
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  cached = dir;
  return dir;
}

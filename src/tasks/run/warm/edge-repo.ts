// Test fixture shared by the warm workers' edge-case tests: a repository made from file
// contents in a temp folder, with this project's node_modules (where the runners come from
// npm as devDependencies) linked in.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** This checkout's node_modules: the runners the tests drive. */
export const NM = join(process.cwd(), 'node_modules');

/** Writes `files` into a new temp folder named after `tag`, node_modules linked; its path. */
export function edgeRepo(files: Record<string, string>, tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), `ls-warm-${tag}-`));
  for (const [p, c] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), c);
  }
  symlinkSync(NM, join(dir, 'node_modules'));
  return dir;
}

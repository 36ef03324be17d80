import assert from 'node:assert/strict';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ToolError } from '../tool.js';
import { resolvePath } from './paths.js';
import { outsideDir, workspace } from './testutil.js';

const ws = workspace({ 'src/a.ts': 'a\n', '.git/config': '[core]\n' });
const out = outsideDir();
writeFileSync(join(out.dir, 'secret.txt'), 'secret');
symlinkSync(out.dir, join(ws.root, 'outlink'));
symlinkSync(join(out.dir, 'secret.txt'), join(ws.root, 'secretlink'));
symlinkSync(join(out.dir, 'not-yet.txt'), join(ws.root, 'dangling'));
symlinkSync('src', join(ws.root, 'srclink'));
symlinkSync('.git', join(ws.root, 'gitlink'));
symlinkSync('loop2', join(ws.root, 'loop1'));
symlinkSync('loop1', join(ws.root, 'loop2'));
after(() => {
  ws.dispose();
  out.dispose();
});

const refused = (p: Promise<unknown>, re: RegExp) =>
  assert.rejects(p, (e: unknown) => e instanceof ToolError && re.test(e.message));

test('relative, absolute-inside and not-yet-existing paths resolve inside the root', async () => {
  assert.deepEqual(await resolvePath(ws.root, 'src/a.ts', 'read'), {
    abs: join(ws.root, 'src/a.ts'),
    rel: 'src/a.ts',
  });
  assert.equal((await resolvePath(ws.root, join(ws.root, 'src/a.ts'), 'read')).rel, 'src/a.ts');
  assert.equal(
    (await resolvePath(ws.root, './src/../src/new/deep.ts', 'write')).rel,
    'src/new/deep.ts',
  );
  assert.equal((await resolvePath(ws.root, '.', 'read')).rel, '.');
  assert.equal((await resolvePath(ws.root, 'srclink/a.ts', 'read')).rel, 'src/a.ts');
});

test('absolute paths and .. that leave the workspace are refused', async () => {
  await refused(resolvePath(ws.root, '/etc/passwd', 'read'), /outside the workspace/);
  await refused(resolvePath(ws.root, '../x.txt', 'write'), /outside the workspace/);
  await refused(resolvePath(ws.root, 'src/../../x', 'read'), /outside the workspace/);
  await refused(resolvePath(ws.root, join(out.dir, 'secret.txt'), 'read'), /outside the workspace/);
});

test('symlinks pointing out are refused, for reads, writes and new files below them', async () => {
  await refused(resolvePath(ws.root, 'secretlink', 'read'), /through a symlink/);
  await refused(resolvePath(ws.root, 'outlink/secret.txt', 'read'), /through a symlink/);
  await refused(resolvePath(ws.root, 'outlink/new/file.txt', 'write'), /through a symlink/);
  // A dangling link would create its outside target when written through.
  await refused(resolvePath(ws.root, 'dangling', 'write'), /through a symlink/);
  assert.equal(existsSync(join(out.dir, 'not-yet.txt')), false);
});

test('writes into .git are refused, directly or through a link; reads are allowed', async () => {
  assert.equal((await resolvePath(ws.root, '.git/config', 'read')).rel, '.git/config');
  await refused(resolvePath(ws.root, '.git/config', 'write'), /inside \.git/);
  await refused(resolvePath(ws.root, '.git/hooks/pre-commit', 'write'), /inside \.git/);
  await refused(resolvePath(ws.root, 'gitlink/config', 'write'), /inside \.git/);
  mkdirSync(join(ws.root, 'vendor/lib/.git'), { recursive: true });
  await refused(resolvePath(ws.root, 'vendor/lib/.git/HEAD', 'write'), /inside \.git/);
});

test('empty paths, NUL bytes and symlink loops get precise errors', async () => {
  await refused(resolvePath(ws.root, '  ', 'read'), /path is empty/);
  await refused(resolvePath(ws.root, 'a\0b', 'read'), /NUL/);
  await refused(resolvePath(ws.root, 'loop1', 'write'), /too many levels of symbolic links/);
  await refused(resolvePath(ws.root, 'loop1/x', 'read'), /too many levels of symbolic links/);
});

test('paths under the sandbox workdir (/repo) are paths of the workspace; without it they stay outside', async () => {
  assert.equal((await resolvePath(ws.root, '/repo/src/a.ts', 'read', [], '/repo')).rel, 'src/a.ts');
  assert.equal((await resolvePath(ws.root, '/repo', 'read', [], '/repo')).rel, '.');
  assert.equal((await resolvePath(ws.root, '/repo/', 'read', [], '/repo')).rel, '.');
  await refused(resolvePath(ws.root, '/repo/src/a.ts', 'read'), /outside the workspace/);
  await refused(
    resolvePath(ws.root, '/repository/x', 'read', [], '/repo'),
    /outside the workspace/,
  );
  await refused(
    resolvePath(ws.root, '/repo/../etc/passwd', 'read', [], '/repo'),
    /outside the workspace/,
  );
  await refused(resolvePath(ws.root, '/repo/.git/config', 'write', [], '/repo'), /inside \.git/);
});

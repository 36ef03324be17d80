// safe-fs against what an agent can plant in its workspace: symlinks (last component and
// parents), hard links, directory swaps after the handle is taken, and path escapes.
import assert from 'node:assert/strict';
import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import {
  DirHandle,
  ownDir,
  safeReadFile,
  safeWriteFile,
  safeWriteFilesSync,
  UnsafePathError,
} from './safe-fs.js';

describe('safe-fs', () => {
  let base: string;
  let ws: string;
  let host: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'loopsmith-safefs-'));
    ws = join(base, 'ws');
    host = join(base, 'host');
    mkdirSync(ws);
    mkdirSync(host);
    writeFileSync(join(host, 'secret.txt'), 'host data\n');
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  test('a symlink as the file is replaced, its target untouched', async () => {
    symlinkSync(join(host, 'secret.txt'), join(ws, 'out.txt'));
    await safeWriteFile(ws, 'out.txt', 'mine');
    assert.equal(readFileSync(join(host, 'secret.txt'), 'utf8'), 'host data\n');
    assert.equal(readFileSync(join(ws, 'out.txt'), 'utf8'), 'mine');
  });

  test('a hard link as the file is replaced, not written through', async () => {
    linkSync(join(host, 'secret.txt'), join(ws, 'out.txt'));
    await safeWriteFile(ws, 'out.txt', 'mine');
    assert.equal(readFileSync(join(host, 'secret.txt'), 'utf8'), 'host data\n');
    assert.equal(readFileSync(join(ws, 'out.txt'), 'utf8'), 'mine');
  });

  test('a symlinked parent is refused, or replaced in the harness folder', async () => {
    symlinkSync(host, join(ws, 'sub'));
    await assert.rejects(safeWriteFile(ws, 'sub/x.txt', 'a'), UnsafePathError);
    mkdirSync(join(ws, '.loopsmith'));
    symlinkSync(host, join(ws, '.loopsmith', 'out'));
    const d = await ownDir(ws, '.loopsmith/out');
    await d.writeFile('1.txt', 'spill');
    d.close();
    assert.deepEqual(readdirSync(host).sort(), ['secret.txt']);
    assert.equal(readFileSync(join(ws, '.loopsmith', 'out', '1.txt'), 'utf8'), 'spill');
  });

  test('a directory swapped for a symlink after the handle is taken: writes stay in the real one', async () => {
    mkdirSync(join(ws, 'd'));
    const h = await DirHandle.open(ws, 'd');
    renameSync(join(ws, 'd'), join(ws, 'moved'));
    symlinkSync(host, join(ws, 'd'));
    await h.writeFile('late.txt', 'x');
    h.close();
    assert.deepEqual(readdirSync(host), ['secret.txt']);
    assert.equal(readFileSync(join(ws, 'moved', 'late.txt'), 'utf8'), 'x');
  });

  test('reads: links and non-files give null, sizes are capped', async () => {
    symlinkSync(join(host, 'secret.txt'), join(ws, 'link'));
    assert.equal(await safeReadFile(ws, 'link'), null);
    symlinkSync(host, join(ws, 'dirlink'));
    assert.equal(await safeReadFile(ws, 'dirlink/secret.txt'), null);
    writeFileSync(join(ws, 'big'), 'abcdef');
    assert.equal((await safeReadFile(ws, 'big', 3))?.toString(), 'abc');
  });

  test('paths that leave the root are refused', async () => {
    await assert.rejects(safeWriteFile(ws, '../host/x', 'a'), /leaves its root/);
    await assert.rejects(safeWriteFile(ws, '/etc/x', 'a'), /absolute/);
    assert.throws(() => safeWriteFilesSync(ws, { '../x': 'a' }), /leaves its root/);
  });

  test('safeWriteFilesSync (materialize): symlinked folders refused, hard links replaced', () => {
    linkSync(join(host, 'secret.txt'), join(ws, 'a.txt'));
    safeWriteFilesSync(ws, { 'a.txt': 'new', 'src/b.js': 'b' });
    assert.equal(readFileSync(join(host, 'secret.txt'), 'utf8'), 'host data\n');
    assert.equal(readFileSync(join(ws, 'src', 'b.js'), 'utf8'), 'b');
    symlinkSync(host, join(ws, 'test'));
    assert.throws(() => safeWriteFilesSync(ws, { 'test/t.js': 'x' }), UnsafePathError);
    assert.equal(existsSync(join(host, 't.js')), false);
  });
});

// Host-side file operations on paths an agent controls (ARCHITECTURE invariant 6, issue 11).
// The sandbox confines the agent's commands, but the harness itself writes into the
// workspace from the host: a planted symlink, hard link or directory swap there must not
// redirect a host write. Node has no openat(), so every step goes through the directory
// handle we already hold: `/proc/self/fd/<dirfd>/<name>` resolves <name> inside that very
// directory (the magic link is the handle, not a path re-walked), and O_NOFOLLOW refuses
// a symlink as the last component. Files are created new (O_EXCL) and renamed into place,
// so an existing hard link is replaced, never written through. Linux only.

import { randomBytes } from 'node:crypto';
import {
  constants as C,
  closeSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { type FileHandle, mkdir, open, readdir, rename, rm, unlink } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';

/** Thrown when a path would leave its root or meets something that is not what it should be. */
export class UnsafePathError extends Error {
  constructor(message: string) {
    super(`safe-fs: ${message}`);
    this.name = 'UnsafePathError';
  }
}

const DIR_FLAGS = C.O_RDONLY | C.O_DIRECTORY | C.O_NOFOLLOW;
const at = (fd: number, name: string) => `/proc/self/fd/${fd}/${name}`;

/** The components of `rel` (relative, no `..`, no empty parts); throws otherwise. */
export function splitRelative(rel: string): string[] {
  if (isAbsolute(rel)) throw new UnsafePathError(`${JSON.stringify(rel)} is absolute`);
  const parts = rel.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  if (parts.length === 0) throw new UnsafePathError('empty path');
  if (parts.includes('..')) throw new UnsafePathError(`${JSON.stringify(rel)} leaves its root`);
  return parts;
}

/** `abs` relative to `root` when inside it, else null. */
export function insideRoot(root: string, abs: string): string | null {
  const r = relative(root, abs);
  if (r === '' || r.startsWith(`..${sep}`) || r === '..' || isAbsolute(r)) return null;
  return r;
}

/** A handle on a directory, reached from a trusted root without following any link below it. */
export class DirHandle {
  private constructor(readonly fd: number) {}

  /** Opens `root` itself (trusted: the caller chose it; links in it are followed). */
  static openRoot(root: string): DirHandle {
    return new DirHandle(openSync(root, C.O_RDONLY | C.O_DIRECTORY));
  }

  /**
   * Opens (creating when `create`) the directory `rel` under `root`. A symlink or
   * non-directory in the way is removed first when `replace` (the harness's own folders,
   * e.g. `.loopsmith/out`), else refused.
   */
  static async open(
    root: string,
    rel: string,
    opts: { create?: boolean; replace?: boolean } = {},
  ): Promise<DirHandle> {
    let cur = DirHandle.openRoot(root);
    if (rel === '' || rel === '.') return cur;
    try {
      for (const name of splitRelative(rel)) {
        const next = await cur.child(name, opts);
        cur.close();
        cur = next;
      }
      return cur;
    } catch (e) {
      cur.close();
      throw e;
    }
  }

  /** The directory itself through this handle (`/proc/self/fd/N`: the handle, not a re-walked path). */
  get self(): string {
    return `/proc/self/fd/${this.fd}`;
  }

  /** Opens (creating when absent) subdirectory `name`; a symlink or file there is refused. */
  subdirSync(name: string): DirHandle {
    try {
      mkdirSync(this.path(name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    try {
      return new DirHandle(openSync(this.path(name), DIR_FLAGS));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ELOOP' || code === 'ENOTDIR')
        throw new UnsafePathError(`${name} is not a real directory (symlink or file)`);
      throw e;
    }
  }

  /** Whether anything (a link included, never followed) is called `name` here. */
  exists(name: string): boolean {
    try {
      lstatSync(this.path(name));
      return true;
    } catch {
      return false;
    }
  }

  /** writeFile, synchronously: a new file renamed over whatever was there. */
  writeFileSync(name: string, data: string | Uint8Array): void {
    const tmp = `.${name}.${randomBytes(6).toString('hex')}.tmp`;
    const wfd = openSync(this.path(tmp), C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o644);
    try {
      writeFileSync(wfd, data);
    } finally {
      closeSync(wfd);
    }
    try {
      renameSync(this.path(tmp), this.path(name));
    } catch (e) {
      try {
        unlinkSync(this.path(tmp));
      } catch {}
      throw e;
    }
  }

  /** Path through this handle (for APIs that take a path). */
  path(name: string): string {
    if (name.includes('/') || name === '..' || name === '.' || name === '')
      throw new UnsafePathError(`bad name ${JSON.stringify(name)}`);
    return at(this.fd, name);
  }

  private async child(
    name: string,
    opts: { create?: boolean; replace?: boolean },
  ): Promise<DirHandle> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        return new DirHandle(openSync(this.path(name), DIR_FLAGS));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' && opts.create) {
          await mkdir(this.path(name)).catch((err) => {
            if (err.code !== 'EEXIST') throw err;
          });
          continue;
        }
        // ELOOP: a symlink; ENOTDIR: a file. Either was planted where our folder belongs.
        if ((code === 'ELOOP' || code === 'ENOTDIR') && opts.replace) {
          await rm(this.path(name), { force: true, recursive: false }).catch(() =>
            unlink(this.path(name)),
          );
          continue;
        }
        if (code === 'ELOOP' || code === 'ENOTDIR')
          throw new UnsafePathError(`${name} is not a real directory (symlink or file)`);
        throw e;
      }
    }
    throw new UnsafePathError(`${name} keeps changing under us`);
  }

  /** Writes `data` to `name` in this directory: a new file renamed over whatever was there. */
  async writeFile(name: string, data: string | Uint8Array): Promise<void> {
    const tmp = `.${name}.${randomBytes(6).toString('hex')}.tmp`;
    const fh = await this.createExclusive(tmp);
    try {
      await fh.writeFile(data);
    } finally {
      await fh.close();
    }
    try {
      // rename() never follows a link at the target: a planted symlink or hard link is replaced.
      await rename(this.path(tmp), this.path(name));
    } catch (e) {
      await unlink(this.path(tmp)).catch(() => undefined);
      throw e;
    }
  }

  /** Creates `name`, failing if anything (file, link, dir) already has that name. */
  createExclusive(name: string): Promise<FileHandle> {
    return open(this.path(name), C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o644);
  }

  /** Reads regular file `name` (no link followed), at most `maxBytes`; null when absent or not a regular file. */
  readFile(name: string, maxBytes = 64 << 20): Buffer | null {
    let fd: number;
    try {
      fd = openSync(this.path(name), C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK);
    } catch {
      return null;
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) return null;
      const size = Math.min(st.size, maxBytes);
      const buf = Buffer.alloc(size);
      let off = 0;
      while (off < size) {
        const n = readSync(fd, buf, off, size - off, off);
        if (n === 0) break;
        off += n;
      }
      return buf.subarray(0, off);
    } finally {
      closeSync(fd);
    }
  }

  /** Removes `name` (a link itself, never its target; a directory recursively). */
  async remove(name: string): Promise<void> {
    await rm(this.path(name), { force: true, recursive: true });
  }

  /** Names in this directory. */
  list(): Promise<string[]> {
    return readdir(at(this.fd, '.').slice(0, -2));
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}

/** Writes `root/rel` without following any link below `root`; parents created. */
export async function safeWriteFile(
  root: string,
  rel: string,
  data: string | Uint8Array,
  opts: { replaceDirs?: boolean } = {},
): Promise<void> {
  const parts = splitRelative(rel);
  const dir = await DirHandle.open(root, parts.slice(0, -1).join('/'), {
    create: true,
    replace: opts.replaceDirs,
  });
  try {
    await dir.writeFile(parts[parts.length - 1], data);
  } finally {
    dir.close();
  }
}

/** Writes many files under `root` (each via safeWriteFile); for restoring tests and materializing. */
export async function safeWriteFiles(
  root: string,
  files: Record<string, string>,
  opts: { replaceDirs?: boolean } = {},
): Promise<void> {
  for (const [rel, text] of Object.entries(files)) await safeWriteFile(root, rel, text, opts);
}

/** Reads `root/rel` as a regular file without following links; null when absent, a link or not a file. */
export async function safeReadFile(
  root: string,
  rel: string,
  maxBytes?: number,
): Promise<Buffer | null> {
  const parts = splitRelative(rel);
  let dir: DirHandle;
  try {
    dir = await DirHandle.open(root, parts.slice(0, -1).join('/'));
  } catch {
    return null;
  }
  try {
    return dir.readFile(parts[parts.length - 1], maxBytes);
  } finally {
    dir.close();
  }
}

/** A directory under `root` ready for the harness's own files (links in the way replaced). */
export function ownDir(root: string, rel: string): Promise<DirHandle> {
  return DirHandle.open(root, rel, { create: true, replace: true });
}

/**
 * Synchronous safeWriteFiles for callers that are synchronous (materializing a task): each
 * parent opened below `root` without following links, each file created new and renamed in.
 */
export function safeWriteFilesSync(root: string, files: Record<string, string>): void {
  const rootFd = openSync(root, C.O_RDONLY | C.O_DIRECTORY);
  try {
    for (const [rel, text] of Object.entries(files)) {
      const parts = splitRelative(rel);
      let fd = rootFd;
      try {
        for (const name of parts.slice(0, -1)) {
          try {
            mkdirSync(at(fd, name));
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
          }
          let next: number;
          try {
            next = openSync(at(fd, name), DIR_FLAGS);
          } catch (e) {
            const code = (e as NodeJS.ErrnoException).code;
            if (code === 'ELOOP' || code === 'ENOTDIR')
              throw new UnsafePathError(
                `${rel}: ${name} is not a real directory (symlink or file)`,
              );
            throw e;
          }
          if (fd !== rootFd) closeSync(fd);
          fd = next;
        }
        const name = parts[parts.length - 1];
        const tmp = `.${name}.${randomBytes(6).toString('hex')}.tmp`;
        const wfd = openSync(at(fd, tmp), C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o644);
        try {
          writeFileSync(wfd, text);
        } finally {
          closeSync(wfd);
        }
        renameSync(at(fd, tmp), at(fd, name));
      } finally {
        if (fd !== rootFd) closeSync(fd);
      }
    }
  } finally {
    closeSync(rootFd);
  }
}

/**
 * A folder for the harness's own files: below `root` (the agent's workspace) reached
 * without following links, planted links replaced; elsewhere (a per-user state directory
 * the agent cannot write) created and opened as it is.
 */
export async function harnessDir(root: string, dir: string): Promise<DirHandle> {
  const rel = insideRoot(root, dir);
  if (rel !== null) return ownDir(root, rel);
  await mkdir(dir, { recursive: true });
  return DirHandle.open(dir, '');
}

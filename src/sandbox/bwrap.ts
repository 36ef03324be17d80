// The bubblewrap backend: each command runs in fresh namespaces (no network, own pids, ipc,
// hostname), sees the host filesystem read-only with homes and sockets hidden, writes only
// to the workspace (its .git read-only) and a private /tmp, gets an allowlisted environment,
// no capabilities, a seccomp filter, and per-command cgroup limits on memory and processes.
// The workspace appears at a fixed path (/repo) as well as its host path, and commands
// start there, so outputs never carry a random temporary directory.
import { existsSync, lstatSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommandCgroup, type Controller } from './cgroup.js';
import { buildEnv, positive, resolveOptions, type SandboxOptions } from './options.js';
import { isInside, resolveCwd, resolveRoot } from './paths.js';
import { bwrapAvailable, type LimitEnforcement, probeLimits } from './probe.js';
import { seccompFile } from './seccomp.js';
import { fileSizeLimit, joinStderr, runProcess, shellQuote } from './spawn.js';
import { toolchainNodeModules } from './toolchain.js';
import type { ExecOptions, ExecResult, Sandbox } from './types.js';

/** Directories covered by an empty tmpfs: homes, runtime sockets (a read-only mount does not stop connect() on a Unix socket), temp dirs. */
export const HIDDEN_DIRS = [
  '/root',
  '/etc/ssl/private',
  '/var/log',
  '/home',
  '/run',
  '/var/run',
  '/tmp',
  '/var/tmp',
  '/etc/ssh',
  '/media',
  '/mnt',
];
/** Files replaced by /dev/null: readable by uid 0 even without capabilities. */
export const HIDDEN_FILES = ['/etc/shadow', '/etc/gshadow', '/etc/sudoers'];

/** Parts of the fresh /proc made read-only, as container runtimes do. */
export const PROC_READ_ONLY = ['/proc/sys', '/proc/sysrq-trigger', '/proc/fs'];

/** The descriptor on which bwrap reads the seccomp program (opened by the shell wrapper). */
const SECCOMP_FD = 3;

/** Runs commands inside bubblewrap. */
export class BwrapSandbox implements Sandbox {
  readonly kind = 'bwrap' as const;
  readonly root: string;
  readonly workdir: string;
  readonly options: SandboxOptions;
  /** Which limits are enforced by what; recorded so a run can report it. */
  readonly limits: LimitEnforcement;
  private readonly home: string;
  private readonly bases: Partial<Record<Controller, string>>;
  private readonly hidden: { path: string; dir: boolean }[];
  private readonly exposed: string[];

  constructor(root: string, options: Partial<SandboxOptions> = {}) {
    this.root = resolveRoot(root);
    if (this.root === '/')
      throw new Error('sandbox root cannot be / (the whole host would be writable)');
    const bw = bwrapAvailable();
    if (!bw.ok) throw new Error(`bubblewrap is not usable here: ${bw.reason}. ${bw.installHint}`);
    this.options = resolveOptions(options);
    this.workdir = this.options.mountPoint;
    this.home = this.options.home ?? '/tmp';
    this.hidden = this.options.hidePaths.map((p) => hiddenPath(p));
    this.exposed = exposedPaths(this.options.exposePaths);
    const p = probeLimits();
    if (this.options.cgroups) {
      this.bases = p.bases;
      this.limits = p.enforcement;
    } else {
      this.bases = {};
      const notes = [...p.enforcement.notes, 'cgroups turned off by option'];
      this.limits = { ...p.enforcement, memory: 'rlimit', processes: 'rlimit', notes };
    }
  }

  /** Runs `command` with bash inside a fresh sandbox rooted at the workspace. */
  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    if (typeof command !== 'string') throw new TypeError('sandbox command must be a string');
    const cwd = resolveCwd(this.root, options.cwd);
    const env = buildEnv(this.options.envAllowlist, options.env, this.home);
    const filter = seccompFile();
    const { root, home, hidden, exposed } = this;
    const mount = this.workdir;
    const inner = cwd === root ? mount : `${mount}/${relative(root, cwd).split(sep).join('/')}`;
    const nodeModules = toolchainNodeModules() ?? undefined;
    const args = bwrapArgs({ root, cwd: inner, env, home, hidden, exposed, mount, nodeModules });
    if (filter) args.unshift('--seccomp', String(SECCOMP_FD));
    const argv = ['bwrap', ...args, '--', ...this.inner(command)];
    const cg =
      this.bases.pids || this.bases.memory
        ? new CommandCgroup(this.bases, this.options)
        : undefined;
    const redirect = filter ? ` ${SECCOMP_FD}<${shellQuote(filter)}` : '';
    const prelude = fileSizeLimit(this.options.maxFileBytes) + (cg ? joinCgroups(cg.paths) : '');
    const outer = joinStderr(argv, prelude, redirect);
    try {
      return await runProcess({
        argv: outer,
        env: { PATH: env.PATH },
        cwd: this.root,
        timeoutMs: positive('timeoutMs', options.timeoutMs ?? this.options.timeoutMs),
        maxOutputBytes: positive(
          'maxOutputBytes',
          options.maxOutputBytes ?? this.options.maxOutputBytes,
        ),
        spillPath: options.spillPath,
        maxSpillBytes: this.options.maxSpillBytes,
        stdin: options.stdin,
        signal: options.signal,
        killTree: cg ? () => cg.killAll() : undefined,
      });
    } finally {
      await cg?.dispose();
    }
  }

  // rlimits only where a cgroup is missing: RLIMIT_AS would also refuse large reservations
  // that never become memory use.
  private inner(command: string): string[] {
    const lines: string[] = [];
    if (this.limits.memory === 'rlimit')
      lines.push(`ulimit -v ${Math.floor(this.options.memoryBytes / 1024)}`);
    if (this.limits.processes === 'rlimit') lines.push(`ulimit -u ${this.options.maxProcesses}`);
    if (lines.length === 0) return ['bash', '-c', command];
    return ['bash', '-c', [...lines, 'exec bash -c "$1"'].join('\n'), 'bash', command];
  }
}

/** What one command's sandbox looks like; all paths real and absolute. */
export interface BwrapPlan {
  root: string;
  /** Where commands start, as seen inside (under `mount` when one is set). */
  cwd: string;
  /** Fixed path where the workspace also appears (a top-level directory), e.g. /repo. */
  mount?: string;
  /** Host folder shown read-only at /node_modules (fallback packages, see toolchain.ts). */
  nodeModules?: string;
  env: Record<string, string>;
  home: string;
  /** Extra paths to hide (directories get a tmpfs, files /dev/null). */
  hidden: readonly { path: string; dir: boolean }[];
  /** Host paths shown read-only even where a hidden directory covers them. */
  exposed: readonly string[];
}

/** The bwrap arguments (everything before `--`) for one command. */
export function bwrapArgs(plan: BwrapPlan): string[] {
  const { root, cwd, env, home, hidden, exposed, mount, nodeModules } = plan;
  const a = [
    '--unshare-net',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--hostname',
    'sandbox',
  ];
  // As root bwrap keeps every capability unless told otherwise; CAP_SYS_ADMIN alone would
  // let the command remount / read-write.
  a.push('--cap-drop', 'ALL', '--die-with-parent', '--new-session');
  // The host's top-level entries read-only on an empty root, so that the fixed workspace
  // path and /node_modules can be created (a read-only bind of / cannot take new
  // directories); the root itself is remounted read-only once everything is in place.
  a.push('--tmpfs', '/');
  for (const e of topLevel()) {
    if (e.name === mount?.slice(1) || (nodeModules && e.name === 'node_modules')) continue;
    if (e.link !== undefined) a.push('--symlink', e.link, `/${e.name}`);
    else a.push('--ro-bind', `/${e.name}`, `/${e.name}`);
  }
  a.push('--dev', '/dev', '--proc', '/proc');
  // Privileged bwrap leaves /proc/sys writable (it only checks the directory's own mode),
  // and most sysctls are host-wide: uid 0 could retune the host kernel.
  for (const p of PROC_READ_ONLY) a.push('--ro-bind-try', p, p);
  for (const d of HIDDEN_DIRS) if (isRealDir(d)) a.push('--tmpfs', d);
  for (const f of HIDDEN_FILES) if (existsSync(f)) a.push('--ro-bind', '/dev/null', f);
  // Caller-hidden paths that contain the workspace go before its bind, the rest after it
  // (so they can also hide something inside the workspace).
  const hide = (h: { path: string; dir: boolean }) =>
    h.dir ? a.push('--tmpfs', h.path) : a.push('--ro-bind', '/dev/null', h.path);
  for (const h of hidden) if (isInside(h.path, root)) hide(h);
  for (const p of exposed) a.push('--ro-bind', p, p);
  // After the tmpfs mounts, so a workspace under /tmp or a home directory shows through.
  a.push('--bind', root, root);
  if (mount) a.push('--bind', root, mount);
  const git = `${root}/.git`;
  if (existsSync(git)) {
    const real = realpathSync(git);
    if (isInside(root, real)) {
      a.push('--ro-bind', real, real);
      if (mount) a.push('--ro-bind', real, `${mount}/${relative(root, real)}`);
    }
  }
  for (const h of hidden) if (!isInside(h.path, root)) hide(h);
  // The same hidden paths inside the workspace, as seen at the fixed path.
  if (mount)
    for (const h of hidden)
      if (isInside(root, h.path) && h.path !== root)
        hide({ ...h, path: `${mount}/${relative(root, h.path)}` });
  if (nodeModules) a.push('--ro-bind', nodeModules, '/node_modules');
  a.push('--remount-ro', '/');
  if (home !== '/tmp' && !isInside(root, home)) a.push('--dir', home);
  a.push('--clearenv');
  for (const [k, v] of Object.entries(env)) a.push('--setenv', k, v);
  a.push('--chdir', cwd);
  return a;
}

// Checks a caller's hidePaths entry: it must exist, and is hidden at its real path.
function hiddenPath(p: string): { path: string; dir: boolean } {
  let real: string;
  try {
    real = realpathSync(p);
  } catch {
    throw new Error(`sandbox hidePaths: no such path ${p}`);
  }
  if (real === '/') throw new Error('sandbox hidePaths: cannot hide /');
  return { path: real, dir: lstatSync(real).isDirectory() };
}

// The caller's exposePaths, plus the installation of the running Node when it lives in a
// hidden directory (nvm, fnm, volta under the home directory): the agent's tests need the
// same node the harness runs on.
function exposedPaths(requested: readonly string[]): string[] {
  const out = requested.map((p) => {
    try {
      return realpathSync(p);
    } catch {
      throw new Error(`sandbox exposePaths: no such path ${p}`);
    }
  });
  const nodePrefix = dirname(dirname(realpathSync(process.execPath)));
  const underHidden = HIDDEN_DIRS.some((d) => d !== '/tmp' && isInside(d, nodePrefix));
  if (underHidden && !out.some((p) => isInside(p, nodePrefix))) out.push(nodePrefix);
  // loopsmith's own installation too: grading loads its test reporter and TS task repos load
  // its tsx, so a checkout under /tmp or a home directory (a CI clone, ~/src/loopsmith) must
  // still show through, read-only. Caller-hidden paths are mounted after it and still win.
  const self = realpathSync(fileURLToPath(new URL('../../..', import.meta.url)));
  if (HIDDEN_DIRS.some((d) => isInside(d, self)) && !out.some((p) => isInside(p, self)))
    out.push(self);
  return out;
}

// Entries of the host's /, read once (the layout of / does not change under a running process).
let top: { name: string; link?: string }[] | undefined;
function topLevel(): { name: string; link?: string }[] {
  top ??= readdirSync('/', { withFileTypes: true })
    .filter((e) => e.name !== 'proc' && e.name !== 'dev')
    .map((e) =>
      e.isSymbolicLink() ? { name: e.name, link: readlinkSync(`/${e.name}`) } : { name: e.name },
    );
  return top;
}

// A symlink (e.g. /var/run -> /run) is covered by its target's mount.
function isRealDir(p: string): boolean {
  try {
    return lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}

// Shell code joining the command's cgroups before bwrap starts, so every process it forks
// is counted; joining after spawn would race with the first fork.
function joinCgroups(paths: string[]): string {
  return paths.map((p) => `echo $$ > ${shellQuote(`${p}/cgroup.procs`)} || exit 125; `).join('');
}

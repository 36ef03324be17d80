// Options shared by every sandbox backend, their defaults, and the environment policy:
// the host environment reaches a command only through an allowlist, and no variable whose
// name looks like a credential gets in, whoever asked for it.
import type { SandboxLimits } from './types.js';

export interface SandboxOptions extends SandboxLimits {
  /** Wall-clock limit per command unless the call sets its own. @default 120_000 */
  timeoutMs: number;
  /** Bytes of output kept in memory per command (head + tail). @default 1 MiB */
  maxOutputBytes: number;
  /** Bytes a spill file may grow to; past it the rest is counted but not saved. @default 64 MiB */
  maxSpillBytes: number;
  /** Largest file a command may write (RLIMIT_FSIZE; the writer gets SIGXFSZ). @default 1 GiB */
  maxFileBytes: number;
  /** Host variables copied into the command's environment when present. @default DEFAULT_ENV_ALLOWLIST */
  envAllowlist: readonly string[];
  /**
   * HOME inside the command (the host HOME is never passed: it holds credentials, and tools
   * write caches there that should not land in the workspace).
   * @default '/tmp' for bwrap (its private tmpfs), `<os tmpdir>/loopsmith-home` for none
   */
  home?: string;
  /**
   * Extra host paths made invisible inside the bwrap sandbox (a directory becomes an empty
   * tmpfs, a file /dev/null), e.g. a task store holding hidden tests. Paths inside the
   * workspace may be hidden too. Ignored by `none`. @default []
   */
  hidePaths: readonly string[];
  /**
   * Host paths shown read-only inside the bwrap sandbox although a hidden directory covers
   * them, e.g. a toolchain installed under the home directory. The running Node's own
   * installation is added automatically when it lies in a hidden directory. @default []
   */
  exposePaths: readonly string[];
  /**
   * Use per-command cgroups (v1 pids + memory) for the bwrap limits where writable; false
   * uses rlimits only (RLIMIT_AS, and RLIMIT_NPROC which binds no root process). @default true
   */
  cgroups: boolean;
  /**
   * Where the bwrap sandbox shows the workspace (commands start there; the host path is
   * bound too, so host-side callers may still pass it). A fixed path keeps random temp
   * directories out of everything a model reads. @default '/repo'
   */
  mountPoint: string;
}

/** Memory cap default: 4 GiB. */
export const DEFAULT_MEMORY_BYTES = 4 * 1024 ** 3;

/** Variables a build or test run plausibly needs and that carry no secrets. */
export const DEFAULT_ENV_ALLOWLIST: readonly string[] = [
  'PATH',
  'LANG',
  'LANGUAGE',
  'LC_ALL',
  'LC_CTYPE',
  'TERM',
  'TZ',
];

export const DEFAULT_SANDBOX_OPTIONS: Readonly<SandboxOptions> = Object.freeze({
  timeoutMs: 120_000,
  maxOutputBytes: 1024 * 1024,
  maxSpillBytes: 64 * 1024 * 1024,
  maxFileBytes: 1024 ** 3,
  memoryBytes: DEFAULT_MEMORY_BYTES,
  maxProcesses: 256,
  envAllowlist: DEFAULT_ENV_ALLOWLIST,
  hidePaths: [],
  exposePaths: [],
  cgroups: true,
  mountPoint: '/repo',
});

// Names that look like credentials are refused even when a caller passes them explicitly,
// so a model cannot be handed a key by a careless integration.
const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|COOKIE|SESSION|AUTH)/i;

/** Whether an environment variable name looks like it carries a credential. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Fills in defaults and rejects nonsense values with a message naming the field. */
export function resolveOptions(options: Partial<SandboxOptions> = {}): SandboxOptions {
  const merged: SandboxOptions = { ...DEFAULT_SANDBOX_OPTIONS };
  for (const [k, v] of Object.entries(options)) {
    if (v !== undefined) (merged as unknown as Record<string, unknown>)[k] = v;
  }
  positive('timeoutMs', merged.timeoutMs);
  positive('maxOutputBytes', merged.maxOutputBytes);
  positive('maxSpillBytes', merged.maxSpillBytes);
  positive('maxFileBytes', merged.maxFileBytes);
  positive('memoryBytes', merged.memoryBytes);
  positive('maxProcesses', merged.maxProcesses);
  if (
    typeof merged.mountPoint !== 'string' ||
    !/^\/[A-Za-z0-9._-]+$/.test(merged.mountPoint) ||
    ['/proc', '/dev', '/tmp', '/sys'].includes(merged.mountPoint)
  ) {
    throw new TypeError(
      `sandbox option mountPoint must be a top-level directory such as /repo, got ${JSON.stringify(merged.mountPoint)}`,
    );
  }
  if (!Array.isArray(merged.envAllowlist)) {
    throw new TypeError('sandbox option envAllowlist must be an array of variable names');
  }
  for (const key of ['hidePaths', 'exposePaths'] as const) {
    const v = merged[key];
    if (!Array.isArray(v) || v.some((p) => typeof p !== 'string')) {
      throw new TypeError(`sandbox option ${key} must be an array of paths`);
    }
  }
  return merged;
}

/** Checks a per-call numeric limit; `where` names it in the error. */
export function positive(where: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`sandbox ${where} must be a positive finite number, got ${String(value)}`);
  }
  return value;
}

/**
 * Builds a command's environment: allowlisted host variables, then the caller's extras
 * minus anything secret-looking, then HOME.
 */
export function buildEnv(
  allowlist: readonly string[],
  extra: Record<string, string> | undefined,
  home: string,
  host: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of allowlist) {
    const v = host[name];
    if (v !== undefined && !isSecretName(name)) env[name] = v;
  }
  for (const [name, v] of Object.entries(extra ?? {})) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new TypeError(`sandbox env: invalid variable name ${JSON.stringify(name)}`);
    }
    if (typeof v !== 'string')
      throw new TypeError(`sandbox env: value of ${name} must be a string`);
    if (!isSecretName(name)) env[name] = v;
  }
  env.PATH ??= '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  env.HOME = home;
  return env;
}

// The narrow face of isolated execution. Model-written commands reach the host only through
// this interface (ARCHITECTURE invariant 6).

export interface ExecOptions {
  /** Working directory: absolute path inside the workspace, or relative to it. @default workspace root */
  cwd?: string;
  /** Wall-clock limit; on expiry the whole process tree is killed. @default 120_000 */
  timeoutMs?: number;
  /** Bytes of output kept in memory (head + tail); the full text goes to `spillPath` when set. @default 1 MiB */
  maxOutputBytes?: number;
  /** When set, the complete combined output is written to this host path (for `read` to reach). */
  spillPath?: string;
  /** Extra environment variables (still filtered by the allowlist policy of the backend). */
  env?: Record<string, string>;
  stdin?: string;
  signal?: AbortSignal;
}

export interface ExecResult {
  /** null when the process was killed by a signal or the timeout. */
  exitCode: number | null;
  signal: string | null;
  /** stdout and stderr interleaved in arrival order, cut to head + tail when over the cap. */
  output: string;
  timedOut: boolean;
  /** True when `output` is not the whole output. */
  truncated: boolean;
  /** Total bytes the command wrote, kept or not. */
  totalBytes: number;
  durationMs: number;
}

export interface SandboxLimits {
  /** Address-space / memory cap in bytes. @default 4 GiB */
  memoryBytes: number;
  /** Maximum processes (fork-bomb guard). @default 256 */
  maxProcesses: number;
}

export interface Sandbox {
  readonly kind: 'bwrap' | 'none';
  /** Real path of the workspace root (symlinks resolved). */
  readonly root: string;
  /**
   * Where commands see the workspace: a fixed path (bwrap: /repo) so outputs never carry a
   * random temp path, or `root` itself (none). Commands start there.
   */
  readonly workdir: string;
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
}

// The unsandboxed backend: a plain `bash -c` on the host, in its own process group, with
// the same timeout, output cap and environment allowlist as bwrap, but no isolation of the
// filesystem, network or processes. Only for users who choose `--sandbox none`.
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildEnv, positive, resolveOptions, type SandboxOptions } from './options.js';
import { resolveCwd, resolveRoot } from './paths.js';
import { fileSizeLimit, joinStderr, runProcess } from './spawn.js';
import type { ExecOptions, ExecResult, Sandbox } from './types.js';

/** Runs commands directly on the host (no containment). */
export class NoneSandbox implements Sandbox {
  readonly kind = 'none' as const;
  readonly root: string;
  readonly workdir: string;
  readonly options: SandboxOptions;
  private readonly home: string;

  constructor(root: string, options: Partial<SandboxOptions> = {}) {
    this.root = resolveRoot(root);
    this.workdir = this.root;
    this.options = resolveOptions(options);
    this.home = this.options.home ?? join(tmpdir(), 'loopsmith-home');
  }

  /** Runs `command` with bash in the workspace. */
  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    if (typeof command !== 'string') throw new TypeError('sandbox command must be a string');
    const cwd = resolveCwd(this.root, options.cwd);
    mkdirSync(this.home, { recursive: true });
    return runProcess({
      argv: joinStderr(['bash', '-c', command], fileSizeLimit(this.options.maxFileBytes)),
      env: buildEnv(this.options.envAllowlist, options.env, this.home),
      cwd,
      timeoutMs: positive('timeoutMs', options.timeoutMs ?? this.options.timeoutMs),
      maxOutputBytes: positive(
        'maxOutputBytes',
        options.maxOutputBytes ?? this.options.maxOutputBytes,
      ),
      spillPath: options.spillPath,
      maxSpillBytes: this.options.maxSpillBytes,
      stdin: options.stdin,
      signal: options.signal,
    });
  }
}

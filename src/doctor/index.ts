// `loopsmith doctor`: checks what this machine offers loopsmith and says what to fix. Each
// check is a real trial (bwrap starts a sandbox, onnxruntime multiplies, llama.cpp loads its
// binding), because "installed" and "usable" differ in containers and on fresh clones.
import { createRequire } from 'node:module';
import { bwrapAvailable } from '../sandbox/index.js';
import { probeLimits } from '../sandbox/probe.js';

/** One check's outcome: `fail` blocks a main path, `warn` degrades it, `ok` is fine. */
export interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  /** What to do about a warn or fail. */
  fix?: string;
}

const require = createRequire(import.meta.url);

function nodeVersion(min = 20): Check {
  const major = Number(process.versions.node.split('.')[0]);
  return major >= min
    ? { name: 'node', status: 'ok', detail: `${process.version} (>= ${min})` }
    : {
        name: 'node',
        status: 'fail',
        detail: `${process.version} is older than ${min}`,
        fix: `install Node.js ${min} or newer (https://nodejs.org, or \`nvm install ${min}\`)`,
      };
}

function bubblewrap(): Check {
  const b = bwrapAvailable();
  return b.ok
    ? {
        name: 'bubblewrap',
        status: 'ok',
        detail: 'bwrap starts a sandbox (no network, read-only root)',
      }
    : {
        name: 'bubblewrap',
        status: 'fail',
        detail: b.reason ?? 'bwrap unusable',
        fix: `${b.installHint} Without it pass \`--sandbox none\` to run/rollout (commands then run unisolated on this machine).`,
      };
}

function cgroups(): Check {
  const { enforcement: e } = probeLimits();
  const both = e.memory === 'cgroup' && e.processes === 'cgroup';
  return {
    name: 'cgroups',
    status: both ? 'ok' : 'warn',
    detail: `memory limit by ${e.memory}, process limit by ${e.processes}${e.seccomp ? ', seccomp on' : ', no seccomp'}${e.notes.length ? ` (${e.notes.join('; ')})` : ''}`,
    fix: both
      ? undefined
      : 'run as a user who may create groups under /sys/fs/cgroup/{memory,pids} (root, or a delegated cgroup); rlimits are the fallback (RLIMIT_NPROC does not bind root)',
  };
}

function sqlite(): Check {
  try {
    const Database = require('better-sqlite3') as new (p: string) => { close(): void };
    new Database(':memory:').close();
    return { name: 'better-sqlite3', status: 'ok', detail: 'the task store opens' };
  } catch (e) {
    return {
      name: 'better-sqlite3',
      status: 'fail',
      detail: firstLine(e),
      fix: '`npm rebuild better-sqlite3` (npm 11 skips install scripts not in package.json allowScripts; a C++ compiler and python3 are needed to build it)',
    };
  }
}

async function onnxruntime(): Promise<Check> {
  try {
    const { ortKernels } = await import('../lm/kernels/ort.js');
    const k = ortKernels({ threads: 1 });
    const c = new Float32Array(4);
    k.gemm(
      c,
      new Float32Array([1, 2, 3, 4]),
      new Float32Array([1, 0, 0, 1]),
      2,
      2,
      2,
      false,
      false,
      false,
    );
    if (c[3] !== 4) throw new Error(`a 2x2 product came out wrong: ${[...c].join(',')}`);
    return {
      name: 'onnxruntime',
      status: 'ok',
      detail: 'onnxruntime-node loads and multiplies (embedded model kernels)',
    };
  } catch (e) {
    return {
      name: 'onnxruntime',
      status: 'fail',
      detail: firstLine(e),
      fix: 'reinstall with `ONNXRUNTIME_NODE_INSTALL=skip npm ci` (the npm package ships the CPU build); the embedded model (`lm`, `local:` models) needs it',
    };
  }
}

async function llamaCpp(): Promise<Check> {
  try {
    const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
    const llama = await getLlama({
      gpu: false,
      build: 'never',
      skipDownload: true,
      usePrebuiltBinaries: true,
      progressLogs: false,
      logLevel: LlamaLogLevel.error,
    });
    await llama.dispose();
    return {
      name: 'llama.cpp',
      status: 'ok',
      detail: 'node-llama-cpp loads its prebuilt CPU binary',
    };
  } catch (e) {
    return {
      name: 'llama.cpp',
      status: 'warn',
      detail: firstLine(e),
      fix: 'optional (GGUF parity checks and `lm bench` only): `npm i -D -E node-llama-cpp@3.21.1` with NODE_LLAMA_CPP_SKIP_DOWNLOAD=true',
    };
  }
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}

/** Runs every check, in the order a new user meets them. */
export async function runChecks(): Promise<Check[]> {
  return [nodeVersion(), bubblewrap(), cgroups(), sqlite(), await onnxruntime(), await llamaCpp()];
}

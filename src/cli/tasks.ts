// `loopsmith tasks ...`: generate, inspect, materialize and export verified tasks. Thin: it
// parses flags and calls src/tasks. The generator, the store and the exporters are imported
// in the actions: `tasks gen` starts a local repository's reference run and warm workers
// (src/tasks/run/start.ts) before that ~250 ms of imports, so they overlap.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Command, InvalidArgumentError } from 'commander';
import { UserError } from '../tasks/errors.js';
import type { GenProgress } from '../tasks/index.js';
import { detectRunner } from '../tasks/run/runners/detect.js';
import { dropPrestart, prestart } from '../tasks/run/start.js';
import { loadLocalRepo } from '../tasks/sources/local.js';
import { DEFAULT_SPEC, type GenSpec } from '../tasks/spec.js';
import { VERSION } from '../version.js';

const openStore = async (db: string) => (await import('../tasks/store.js')).TaskStore.open(db);

const DEFAULT_DB = 'loopsmith-tasks.db';

function int(name: string, min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got "${v}"`);
    return n;
  };
}

function fraction(v: string): number {
  const n = Number(v);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError(`must be a number in [0, 1], got "${v}"`);
  return n;
}

function stage(v: string): 1 | 2 {
  if (v !== '1' && v !== '2') throw new InvalidArgumentError(`stage must be 1 or 2, got "${v}"`);
  return Number(v) as 1 | 2;
}

function usage(message: string): never {
  console.error(`error: ${message}`);
  process.exit(2);
}

/** Runs an action; a UserError (bad input, missing store, unknown id) is one line and exit 2. */
function guard<A extends unknown[]>(fn: (...args: A) => unknown): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      if (e instanceof UserError) usage(e.message);
      throw e;
    }
  };
}

/** This build's commit, asked of git while the generator loads (a blocking call was ~25 ms). */
function gitSha(): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(
      'git',
      ['rev-parse', 'HEAD'],
      { cwd: fileURLToPath(new URL('.', import.meta.url)) },
      (err, stdout) => resolve(err ? null : String(stdout).trim()),
    );
  });
}

function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0
    ? `${h}h${String(m).padStart(2, '0')}m`
    : `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
}

/** A progress printer: rate and ETA on stderr (one rewritten line on a terminal). */
function progressPrinter(startTasks: number): (p: GenProgress, final?: boolean) => void {
  const t0 = performance.now();
  let last = 0;
  const tty = process.stderr.isTTY;
  return (p, final = false) => {
    const now = performance.now();
    if (!final && now - last < (tty ? 500 : 10_000)) return;
    last = now;
    const secs = (now - t0) / 1000;
    const made = p.tasks - startTasks;
    const rate = made / Math.max(secs, 1e-9);
    const eta = rate > 0 ? (p.target - p.tasks) / rate : Number.POSITIVE_INFINITY;
    const line = `tasks ${p.tasks}/${p.target}  ${rate.toFixed(1)}/s  ETA ${duration(eta)}  repos ${p.repos}  candidates ${p.candidates}  elapsed ${duration(secs)}`;
    process.stderr.write(tty ? `\r${line}\u001b[K${final ? '\n' : ''}` : `${line}\n`);
  };
}

/** Fills the store (the generator and the store imported now, see the header). */
async function gen(spec: GenSpec, db: string): Promise<void> {
  const source = spec.source;
  const sha = gitSha();
  const [{ TaskStore }, { SYNTH_VERSION }, { generateInto, sourceKey }] = await Promise.all([
    import('../tasks/store.js'),
    import('../tasks/synth/version.js'),
    import('../tasks/index.js'),
  ]);
  const store = new TaskStore(db);
  try {
    // A store of an older generator mixed with this one's tasks would grade some on
    // their visible tests only (version 3 added hidden fresh-input tests).
    const had = store.manifest().synthVersion;
    if (source === 'synth' && store.count() > 0 && had !== undefined && had !== SYNTH_VERSION)
      throw new UserError(
        `${db}: made by generator version ${String(had)}, this build has version ${SYNTH_VERSION}; generate into a new store`,
      );
    store.setManifest({
      [`config:${sourceKey(spec)}`]: spec,
      seed: spec.seed,
      version: VERSION,
      synthVersion: SYNTH_VERSION,
      gitSha: await sha,
      node: process.version,
    });
    const show = progressPrinter(store.count());
    const p = await generateInto(store, spec, show);
    show(p, true);
  } finally {
    store.close();
  }
}

/** Registers the `tasks` sub-commands. */
export function registerTasks(program: Command): void {
  const tasks = program
    .command('tasks')
    .description('Generate, inspect, materialize and export verified coding tasks.');

  tasks
    .command('gen')
    .description('Generate validated tasks into the store (resumable: rerun to continue).')
    .requiredOption(
      '--source <synth|PATH|npm:NAME>',
      'procedural repos ("synth") or a local npm-style repository',
    )
    .requiredOption('--count <N>', 'target number of tasks in the store', int('--count', 1))
    .option('--stage <1|2>', 'keep only tasks of this curriculum stage', stage)
    .option('--seed <S>', 'base seed (repo i uses S + i)', int('--seed', 0), DEFAULT_SPEC.seed)
    .option('--db <FILE>', 'task store', DEFAULT_DB)
    .option('--workers <W>', 'parallel workers', int('--workers', 0), availableParallelism())
    .option('--test-cmd <CMD>', 'test command of a local repository (default: its npm test)')
    .option(
      '--runner <NAME>',
      'test runner of a local repository: node:test, mocha, jest, vitest, tap, tape, ava, uvu (default: detected)',
    )
    .option(
      '--eval-fraction <F>',
      'share of repos held out for eval',
      fraction,
      DEFAULT_SPEC.evalFraction,
    )
    .option(
      '--max-per-kind <K>',
      'candidates sampled per bug kind per repo',
      int('--max-per-kind', 1),
      DEFAULT_SPEC.maxPerKind,
    )
    .option(
      '--timeout-ms <MS>',
      'budget of one test run',
      int('--timeout-ms', 10),
      DEFAULT_SPEC.timeoutMs,
    )
    .option('--no-typecheck', 'skip type-checking TypeScript mutants (faster, less realistic)')
    .option('--warm <all|first|none>', 'vm runs that reuse a warm context', DEFAULT_SPEC.warm)
    .action(
      guard(async (o) => {
        const source = o.source.startsWith('npm:')
          ? await npmSourceDir(o.source.slice(4), o.db)
          : o.source;
        const spec: GenSpec = {
          ...DEFAULT_SPEC,
          source,
          count: o.count,
          stage: o.stage,
          seed: o.seed,
          workers: o.workers,
          testCmd: o.testCmd,
          runner: o.runner,
          evalFraction: o.evalFraction,
          maxPerKind: o.maxPerKind,
          timeoutMs: o.timeoutMs,
          typeCheck: o.typecheck,
          warm: o.warm,
        };
        if (!['all', 'first', 'none'].includes(o.warm))
          usage(`--warm must be all, first or none, got "${o.warm}"`);
        if (source !== 'synth') {
          // Before a store exists: a repo loopsmith cannot run is a one-line error, no empty db.
          const repo = loadLocalRepo(resolve(source), { testCmd: o.testCmd });
          const d = detectRunner(repo.files, o.testCmd, o.runner);
          console.error(`runner: ${d.runner} (${d.evidence})`);
          prestart(repo, spec, d);
        }
        try {
          await gen(spec, o.db);
        } finally {
          dropPrestart();
        }
      }),
    );

  tasks
    .command('stats')
    .description(
      'Counts per stage, family, kind and split; yield per bug kind; difficulty per stage.',
    )
    .option('--db <FILE>', 'task store', DEFAULT_DB)
    .action(
      guard(async (o) => {
        const { storeStats } = await import('../tasks/store.js');
        const store = await openStore(o.db);
        try {
          console.log(
            JSON.stringify({ ...storeStats(store), manifest: store.manifest() }, null, 2),
          );
        } finally {
          store.close();
        }
      }),
    );

  tasks
    .command('show <id>')
    .description('Print one task (id, unique id prefix or exported instance_id) with its patches.')
    .option('--db <FILE>', 'task store', DEFAULT_DB)
    .action(
      guard(async (id: string, o) => {
        const { loadTaskFiles } = await import('../tasks/materialize.js');
        const store = await openStore(o.db);
        try {
          console.log(JSON.stringify(loadTaskFiles(store, id).task, null, 2));
        } finally {
          store.close();
        }
      }),
    );

  tasks
    .command('materialize <id> <dir>')
    .description(
      'Write the buggy repository of a task to DIR, ready for an agent (tests run offline).',
    )
    .option('--db <FILE>', 'task store', DEFAULT_DB)
    .option('--hide-tests', 'leave out the test files the agent must not see')
    .option('--git', 'make DIR a git repository with the buggy state committed')
    .action(
      guard(async (id: string, dir: string, o) => {
        const { materialize } = await import('../tasks/materialize.js');
        const store = await openStore(o.db);
        try {
          const tf = materialize(store, id, dir, { hideTests: o.hideTests, git: o.git });
          console.log(
            JSON.stringify({
              dir,
              id: tf.task.id,
              testCmd: tf.task.testCmd,
              failToPass: tf.task.failToPass.length,
              passToPass: tf.task.passToPass.length,
            }),
          );
        } finally {
          store.close();
        }
      }),
    );

  tasks
    .command('export')
    .description('Export tasks as SWE-bench instances or full task JSONL.')
    .requiredOption('--format <swebench|jsonl>', 'output format')
    .requiredOption('--out <FILE>', 'output file (JSON lines)')
    .option('--db <FILE>', 'task store', DEFAULT_DB)
    .option('--stage <1|2>', 'only this stage', stage)
    .option('--split <train|eval>', 'only this split')
    .option('--limit <N>', 'at most N tasks', int('--limit', 1))
    .action(
      guard(async (o) => {
        if (o.format !== 'swebench' && o.format !== 'jsonl')
          usage(`--format must be swebench or jsonl, got "${o.format}"`);
        if (o.split !== undefined && o.split !== 'train' && o.split !== 'eval')
          usage(`--split must be train or eval, got "${o.split}"`);
        const { exportTasks } = await import('../tasks/export.js');
        const store = await openStore(o.db);
        try {
          const n = await exportTasks(store, o.out, {
            format: o.format,
            stage: o.stage,
            split: o.split,
            limit: o.limit,
          });
          console.error(`exported ${n} tasks to ${o.out}`);
        } finally {
          store.close();
        }
      }),
    );

  tasks
    .command('merge <inputs...>')
    .description(
      'Merge task stores and `export --format jsonl` files into one store (each task once).',
    )
    .requiredOption('--out <FILE>', 'store to write (created, or added to)')
    .action(
      guard(async (inputs: string[], o) => {
        for (const p of inputs) if (!existsSync(p)) usage(`${p}: no such file`);
        const { mergeInto } = await import('../tasks/merge.js');
        const r = mergeInto(o.out, inputs);
        console.error(
          `merged ${r.read} tasks from ${r.inputs} inputs (${r.repos} repos) into ${o.out}: ${r.added} added, ${r.read - r.added} already there`,
        );
      }),
    );
}

// `npm:NAME`: an installed package vendored with characterization tests, written once beside
// the store and then generated from like any local repository (its own `node --test`).
async function npmSourceDir(name: string, db: string): Promise<string> {
  // The project's own node_modules first, else the packages installed with loopsmith.
  const own = join(process.cwd(), 'node_modules', name);
  const nodeModules = existsSync(own)
    ? join(process.cwd(), 'node_modules')
    : fileURLToPath(new URL('../../../node_modules', import.meta.url));
  const { npmRepo } = await import('../tasks/sources/npm/index.js');
  const repo = await npmRepo(name, { nodeModules });
  if (typeof repo === 'string') usage(`--source npm:${name}: ${repo}`);
  const dir = resolve(
    dirname(resolve(db)),
    '.loopsmith-sources',
    repo.repoId.replace(/[^\w.@-]+/g, '_'),
  );
  if (!existsSync(join(dir, 'package.json'))) {
    for (const [path, text] of Object.entries(repo.files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
  }
  return dir;
}

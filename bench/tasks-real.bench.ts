// Task generation on a real repository against StrykerJS on the same repository, same
// machine, same run: loopsmith's verified tasks per second (wall) against Stryker's killed
// mutants per second with its best runner for the framework and per-test coverage. Also
// loopsmith's techniques one by one: spawning the test command per run, the warm mocha
// worker with schemata but no test selection, and with per-test coverage (the default).
// Needs a repository and a Stryker install outside the project (not committed):
//   LOOPSMITH_BENCH_REPO=/path/to/repo (its node_modules installed)
//   LOOPSMITH_BENCH_STRYKER=/path/with/node_modules/@stryker-mutator/{core,mocha-runner}
//   LOOPSMITH_BENCH_MUTATE='lib/**/*.js,index.js'   (Stryker's mutate globs)
//   LOOPSMITH_BENCH_SKIP=spawn  (comma list of variants to skip)
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const repo = process.env.LOOPSMITH_BENCH_REPO;
const stryker = process.env.LOOPSMITH_BENCH_STRYKER;
if (!repo || !stryker) {
  console.log(
    'tasks-real: skipped (set LOOPSMITH_BENCH_REPO and LOOPSMITH_BENCH_STRYKER, see the file header)',
  );
  process.exit(0);
}
const mutate = (process.env.LOOPSMITH_BENCH_MUTATE ?? 'lib/**/*.js,index.js').split(',');
const skip = new Set((process.env.LOOPSMITH_BENCH_SKIP ?? '').split(','));
const CLI = join(process.cwd(), 'dist/src/cli/main.js');
const { loadLocalRepo } = await import('../src/tasks/sources/local.js');
const { detectRunner } = await import('../src/tasks/run/runners/detect.js');
const snap = loadLocalRepo(repo);
const runner = detectRunner(snap.files, undefined).runner;
const load = () => loadavg()[0].toFixed(1);

interface Row {
  what: string;
  n: number;
  unit: string;
  secs: number;
  load: string;
}
const rows: Row[] = [];

// loopsmith: every candidate of the repo (count far above what it yields), 2 workers.
function loopsmith(
  what: string,
  env: Record<string, string>,
  extra: string[],
  count = 100_000,
): void {
  const dir = mkdtempSync(join(tmpdir(), 'ls-bench-real-'));
  const db = join(dir, 't.db');
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    [
      CLI,
      'tasks',
      'gen',
      '--source',
      repo as string,
      '--count',
      String(count),
      '--workers',
      '2',
      '--db',
      db,
      ...extra,
    ],
    { encoding: 'utf8', env: { ...process.env, ...env } },
  );
  const secs = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`tasks gen failed: ${r.stderr.slice(-500)}`);
  const stats = JSON.parse(
    spawnSync(process.execPath, [CLI, 'tasks', 'stats', '--db', db], { encoding: 'utf8' }).stdout,
  );
  rows.push({ what, n: stats.tasks, unit: 'tasks', secs, load: load() });
  rmSync(dir, { recursive: true, force: true });
}

// Stryker: its mocha runner, per-test coverage, 2 workers, in a copy of the repo.
function strykerRun(): void {
  const dir = mkdtempSync(join(tmpdir(), 'ls-bench-stryker-'));
  cpSync(repo as string, dir, { recursive: true, filter: (p) => !p.includes('/node_modules') });
  symlinkSync(join(repo as string, 'node_modules'), join(dir, 'node_modules'));
  // By file: Stryker imports plugins, and a directory is not importable.
  const plugin = createRequire(join(stryker as string, 'noop.js')).resolve(
    `@stryker-mutator/${runner}-runner`,
  );
  const config = {
    testRunner: runner,
    coverageAnalysis: 'perTest',
    concurrency: 2,
    mutate,
    reporters: ['json'],
    jsonReporter: { fileName: 'mutation.json' },
    plugins: [plugin],
    tempDirName: '.stryker-tmp',
    cleanTempDir: true,
  };
  writeFileSync(join(dir, 'stryker.config.json'), JSON.stringify(config));
  const bin = join(
    stryker as string,
    'node_modules',
    '@stryker-mutator',
    'core',
    'bin',
    'stryker.js',
  );
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, 'run', 'stryker.config.json'], {
    cwd: dir,
    encoding: 'utf8',
  });
  const secs = (performance.now() - t0) / 1000;
  if (!existsSync(join(dir, 'mutation.json')))
    throw new Error(`stryker wrote no report: ${(r.stdout + r.stderr).slice(-1500)}`);
  const report = JSON.parse(readFileSync(join(dir, 'mutation.json'), 'utf8')) as {
    files: Record<string, { mutants: { status: string }[] }>;
  };
  const all = Object.values(report.files).flatMap((f) => f.mutants);
  const killed = all.filter((m) => m.status === 'Killed').length;
  rows.push({
    what: `stryker ${runner}-runner perTest (${all.length} mutants)`,
    n: killed,
    unit: 'killed',
    secs,
    load: load(),
  });
  rmSync(dir, { recursive: true, force: true });
}

console.log(`repo ${snap.repoId} runner ${runner}, load ${load()} at start`);
if (!skip.has('stryker')) strykerRun();
// The spawn path is slow: a sample of its tasks (startup included, as for the others).
const spawnCount = Number(process.env.LOOPSMITH_BENCH_SPAWN_COUNT ?? 20);
if (!skip.has('spawn'))
  loopsmith(`loopsmith spawn per run (first ${spawnCount})`, {}, ['--warm', 'none'], spawnCount);
if (!skip.has('nocov'))
  loopsmith('loopsmith warm+schemata, all tests', { LOOPSMITH_WARM_COVERAGE: '0' }, []);
if (!skip.has('warm')) loopsmith('loopsmith warm+schemata+per-test coverage', {}, []);
const base = rows.find((r) => r.what.startsWith('stryker'));
const baseRate = base ? base.n / base.secs : Number.NaN;
console.log('| what | count | wall s | per s | vs Stryker killed/s | load |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  const rate = r.n / r.secs;
  console.log(
    `| ${r.what} | ${r.n} ${r.unit} | ${r.secs.toFixed(1)} | ${rate.toFixed(2)} | ${(rate / baseRate).toFixed(2)}x | ${r.load} |`,
  );
}

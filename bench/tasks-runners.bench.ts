// loopsmith against StrykerJS per test runner, same repository, same run: for each runner,
// the same small library and tests written for it (src/tasks/run/runners/lib-fixture.ts,
// 3 modules, 3 test files, 24 tests; the runner from loopsmith's devDependencies, i.e. npm),
// loopsmith's verified tasks per second (wall, `tasks gen` over every candidate, 2 workers)
// against Stryker's killed mutants per second (wall, concurrency 2) with its best runner for
// the framework: its mocha, jest, vitest and tap runners with per-test coverage, its command
// runner (the test script run directly, no npm in between) for node:test, tape, ava, uvu.
// StrykerJS is installed outside the project, for the benchmark only:
//   mkdir /tmp/stryker && cd /tmp/stryker && npm init -y && npm i -E @stryker-mutator/core@9.6.1 \
//     @stryker-mutator/{mocha,jest,vitest,tap}-runner@9.6.1
//   LOOPSMITH_BENCH_STRYKER=/tmp/stryker npm run bench -- tasks-runners
//   LOOPSMITH_BENCH_RUNNERS=mocha,jest   (a subset; default every runner), or the runners as
//     arguments: node dist/bench/tasks-runners.bench.js tape uvu
//   LOOPSMITH_BENCH_MUTATE=lib/num.js  (a shorter run: both tools mutate this file only, the
//     same repository and tests; about a third of the mutants and of the time)
//   LOOPSMITH_BENCH_LOOPSMITH_ENV='{"LOOPSMITH_SELECT":"0"}'  (a technique switched off:
//     LOOPSMITH_SELECT=0 no test-file selection, LOOPSMITH_BAIL=1 the bailing first run, off by default)
//   LOOPSMITH_BENCH_LOOPSMITH_ARGS='--warm none'  (extra `tasks gen` flags: no warm workers)
//   LOOPSMITH_BENCH_SKIP_STRYKER=1  (loopsmith only)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const stryker = process.env.LOOPSMITH_BENCH_STRYKER;
if (!stryker) {
  console.log('tasks-runners: skipped (set LOOPSMITH_BENCH_STRYKER, see the file header)');
  process.exit(0);
}
const { RUNNERS } = await import('../src/tasks/run/runners/index.js');
const { writeLibFixture, LIB_FIXTURE_TESTS } = await import(
  '../src/tasks/run/runners/lib-fixture.js'
);
type Name = (typeof RUNNERS)[number];
const args = process.argv.slice(2);
const wanted = (
  args.length > 0 ? args.join(',') : (process.env.LOOPSMITH_BENCH_RUNNERS ?? RUNNERS.join(','))
)
  .split(',')
  .filter(Boolean) as Name[];
const unknown = wanted.filter((w) => !(RUNNERS as readonly string[]).includes(w));
if (unknown.length > 0) {
  console.error(
    `tasks-runners: unknown runner ${unknown.join(', ')} (one of ${RUNNERS.join(', ')})`,
  );
  process.exit(2);
}
const mutate = process.env.LOOPSMITH_BENCH_MUTATE;
const extraArgs = (process.env.LOOPSMITH_BENCH_LOOPSMITH_ARGS ?? '').split(' ').filter(Boolean);
const extraEnv = JSON.parse(process.env.LOOPSMITH_BENCH_LOOPSMITH_ENV ?? '{}') as Record<
  string,
  string
>;
const CLI = join(process.cwd(), 'dist/src/cli/main.js');
const NM = join(process.cwd(), 'node_modules');
const load = () => loadavg()[0].toFixed(1);
const PLUGIN: Partial<Record<Name, string>> = {
  mocha: 'mocha',
  jest: 'jest',
  vitest: 'vitest',
  tap: 'tap',
};

interface Row {
  runner: Name;
  stryker: string;
  mutants: number;
  killed: number;
  sSecs: number;
  candidates: number;
  tasks: number;
  lSecs: number;
  load: string;
}

function strykerRun(
  runner: Name,
  dir: string,
): { mode: string; mutants: number; killed: number; secs: number } {
  const plugin = PLUGIN[runner];
  const script = (
    JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      scripts: { test: string };
    }
  ).scripts.test;
  const config: Record<string, unknown> = {
    concurrency: 2,
    mutate: mutate ? mutate.split(',') : ['lib/**/*.js'],
    reporters: ['json'],
    jsonReporter: { fileName: 'mutation.json' },
    tempDirName: '.stryker-tmp',
    cleanTempDir: true,
    timeoutMS: 10_000,
  };
  if (plugin) {
    // By file: Stryker imports plugins, and a directory is not importable.
    // The package's `import` entry (its `require` export can be something else, as for jest).
    const pj = createRequire(join(stryker as string, 'noop.js')).resolve(
      `@stryker-mutator/${plugin}-runner/package.json`,
    );
    const meta = JSON.parse(readFileSync(pj, 'utf8')) as {
      main?: string;
      exports?: { '.': string | { import: string } };
    };
    const dot = meta.exports?.['.'];
    config.plugins = [
      join(dirname(pj), (typeof dot === 'string' ? dot : dot?.import) ?? meta.main ?? 'index.js'),
    ];
    config.testRunner = plugin;
    config.coverageAnalysis = 'perTest';
    if (runner === 'mocha') config.mochaOptions = { spec: ['test/*.test.js'] };
    if (runner === 'tap') config.tap = { testFiles: ['test/*.test.js'] };
  } else {
    config.testRunner = 'command';
    config.coverageAnalysis = 'off';
    config.commandRunner = { command: script };
  }
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
    // The repo's runner binaries first on PATH, as npm would put them.
    env: {
      ...process.env,
      PATH: `${join(dir, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
      CI: '1',
    },
  });
  const secs = (performance.now() - t0) / 1000;
  const report = join(dir, 'mutation.json');
  if (!existsSync(report))
    throw new Error(`${runner}: stryker wrote no report: ${(r.stdout + r.stderr).slice(-1500)}`);
  const all = Object.values(
    (
      JSON.parse(readFileSync(report, 'utf8')) as {
        files: Record<string, { mutants: { status: string }[] }>;
      }
    ).files,
  ).flatMap((f) => f.mutants);
  rmSync(report);
  rmSync(join(dir, 'stryker.config.json'));
  return {
    mode: plugin ? `${plugin}-runner perTest` : 'command',
    mutants: all.length,
    killed: all.filter((m) => m.status === 'Killed').length,
    secs,
  };
}

function loopsmithRun(dir: string): { candidates: number; tasks: number; secs: number } {
  const db = join(tmpdir(), `ls-bench-runners-${process.pid}.db`);
  rmSync(db, { force: true });
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    [
      CLI,
      'tasks',
      'gen',
      '--source',
      dir,
      '--count',
      '100000',
      '--workers',
      '2',
      '--db',
      db,
      ...extraArgs,
    ],
    {
      encoding: 'utf8',
      env: { ...process.env, ...extraEnv, ...(mutate ? { LOOPSMITH_MUTATE_FILES: mutate } : {}) },
    },
  );
  const secs = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`tasks gen failed: ${r.stderr.slice(-800)}`);
  const counts = [...r.stderr.matchAll(/candidates (\d+)/g)];
  const candidates = Number(counts.at(-1)?.[1] ?? Number.NaN);
  const stats = JSON.parse(
    spawnSync(process.execPath, [CLI, 'tasks', 'stats', '--db', db], { encoding: 'utf8' }).stdout,
  ) as { tasks: number };
  rmSync(db, { force: true });
  return { candidates, tasks: stats.tasks, secs };
}

console.log(
  `tasks-runners: ${LIB_FIXTURE_TESTS} tests per fixture, runners ${wanted.join(',')}${mutate ? `, mutating ${mutate}` : ''}, load ${load()} at start${Object.keys(extraEnv).length ? `, env ${JSON.stringify(extraEnv)}` : ''}`,
);
const rows: Row[] = [];
for (const runner of wanted) {
  const dir = writeLibFixture(runner, NM);
  try {
    // loopsmith first: Stryker leaves nothing behind in the fixture (its sandbox is removed).
    const l = loopsmithRun(dir);
    const s = process.env.LOOPSMITH_BENCH_SKIP_STRYKER
      ? { mode: 'skipped', mutants: 0, killed: 0, secs: Number.NaN }
      : strykerRun(runner, dir);
    const row: Row = {
      runner,
      stryker: s.mode,
      mutants: s.mutants,
      killed: s.killed,
      sSecs: s.secs,
      candidates: l.candidates,
      tasks: l.tasks,
      lSecs: l.secs,
      load: load(),
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(
  '| runner | Stryker runner | Stryker killed / mutants | Stryker s | killed/s | loopsmith tasks / candidates | loopsmith s | tasks/s | ratio | load |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const k = r.killed / r.sSecs;
  const t = r.tasks / r.lSecs;
  console.log(
    `| ${r.runner} | ${r.stryker} | ${r.killed} / ${r.mutants} | ${r.sSecs.toFixed(1)} | ${k.toFixed(2)} | ${r.tasks} / ${r.candidates} | ${r.lSecs.toFixed(1)} | ${t.toFixed(2)} | ${(t / k).toFixed(2)}x | ${r.load} |`,
  );
}

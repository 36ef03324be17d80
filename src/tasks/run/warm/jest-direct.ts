// jest's test files run without `runCLI` in the warm jest worker (./jest-worker.ts): the
// configuration, the haste map and the resolver are built once, the whole suite's test list
// found once (a candidate changes file contents, never which files exist), and each run
// hands its files to jest's own runner (`jest-runner`, in band) and aggregates their results
// as jest's scheduler does. What `runCLI` redoes per run (config, haste map, search,
// reporters) is saved. And jest compiles its own runtime (circus, expect) into every test
// file's context: `compileFunction` gets V8's code cache for source it compiled before
// (same file, same text; V8 checks the source and recompiles on a mismatch), ~20% of a small
// file's CPU. Used for one plain project only (no globalSetup/teardown, jest's own runner);
// otherwise, or with LOOPSMITH_JEST_DIRECT=0, every run goes through `runCLI`. The warm suite
// keeps the worker only when its clean run equals the spawned jest's test for test.
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import vm from 'node:vm';

type Config = Record<string, unknown> & { id?: string; rootDir: string };
interface Test {
  context: unknown;
  path: string;
}
interface Runner {
  on(ev: string, cb: (a: unknown[]) => void): void;
  runTests(tests: Test[], watcher: unknown, options: { serial: boolean }): Promise<void>;
}
interface Direct {
  globalConfig: Config;
  context: unknown;
  all: string[];
}

const cwd = process.cwd();
const req = createRequire(join(cwd, 'noop.js'));
const fromJest = createRequire(req.resolve('jest'));
const fromCore = createRequire(fromJest.resolve('@jest/core'));
const core = fromJest('@jest/core') as {
  SearchSource: new (
    ctx: unknown,
  ) => {
    getTestPaths(g: Config, p: Config): Promise<{ tests: Test[] }>;
  };
};
const { readConfigs } = fromCore('jest-config') as {
  readConfigs(argv: unknown, dirs: string[]): Promise<{ globalConfig: Config; configs: Config[] }>;
};
const Runtime = (fromCore('jest-runtime') as { default: unknown }).default as {
  createContext(c: Config, o: { maxWorkers: number; watchman: boolean }): Promise<unknown>;
};
const TestRunner = (fromCore('jest-runner') as { default: unknown }).default as new (
  g: Config,
  ctx: object,
) => Runner;
const tr = fromCore('@jest/test-result') as {
  makeEmptyAggregatedTestResult(): Record<string, unknown>;
  addResult(agg: unknown, r: unknown): void;
  buildFailureTestResult(path: string, e: unknown): unknown;
  formatTestResults(r: unknown): unknown;
};
const { TestWatcher } = fromCore('jest-watcher') as { TestWatcher: new (o: object) => unknown };

let codeCacheOn = false;
/** V8's code cache for `compileFunction` (jest-runtime compiles every module through it). */
function codeCache(): void {
  if (codeCacheOn) return;
  codeCacheOn = true;
  const compile = vm.compileFunction;
  const cache = new Map<string, { code: string; data: Buffer }>();
  vm.compileFunction = function (this: unknown, code, params, options = {}) {
    const key = String(options.filename ?? '');
    const hit = key ? cache.get(key) : undefined;
    if (hit && hit.code === code) {
      const fn = compile.call(this, code, params, { ...options, cachedData: hit.data });
      if (!(fn as { cachedDataRejected?: boolean }).cachedDataRejected) return fn;
    }
    const fn = compile.call(this, code, params, { ...options, produceCachedData: !!key });
    const data = (fn as { cachedData?: Buffer }).cachedData;
    if (key && data) cache.set(key, { code, data });
    return fn;
  } as typeof vm.compileFunction;
}

let direct: Direct | null | undefined;

/** The kept configuration and context, or null when this repository needs `runCLI`. */
async function setup(argv: unknown): Promise<Direct | null> {
  const { globalConfig, configs } = await readConfigs(argv, [cwd]);
  const p = configs[0];
  const plain =
    configs.length === 1 &&
    !globalConfig.globalSetup &&
    !globalConfig.globalTeardown &&
    !p.globalSetup &&
    !p.globalTeardown &&
    /(^|[/\\])jest-runner([/\\]|$)/.test(String(p.runner)) &&
    !globalConfig.onlyChanged &&
    !globalConfig.findRelatedTests &&
    !globalConfig.listTests;
  if (!plain) return null;
  const context = await Runtime.createContext(p, { maxWorkers: 1, watchman: false });
  const { tests } = await new core.SearchSource(context).getTestPaths(globalConfig, p);
  return { globalConfig, context, all: tests.map((t) => t.path) };
}

/** One run's --json report through the kept context, or null to use `runCLI`. */
export async function directRun(argv: unknown, files: string[] | null): Promise<unknown | null> {
  if (process.env.LOOPSMITH_JEST_DIRECT === '0') return null;
  if (direct === undefined) direct = await setup(argv);
  if (direct === null) return null;
  codeCache();
  const { globalConfig, context, all } = direct;
  const paths = files ? files.map((f) => resolve(cwd, f)) : all;
  const agg = tr.makeEmptyAggregatedTestResult();
  const runner = new TestRunner(globalConfig, {
    changedFiles: undefined,
    sourcesRelatedToTestsInChangedFiles: undefined,
  });
  runner.on('test-file-success', ([, r]) => tr.addResult(agg, r));
  runner.on('test-file-failure', ([t, e]) =>
    tr.addResult(agg, tr.buildFailureTestResult((t as Test).path, e)),
  );
  await runner.runTests(
    paths.map((path) => ({ context, path })),
    new TestWatcher({ isWatchMode: false }),
    { serial: true },
  );
  return tr.formatTestResults(agg);
}

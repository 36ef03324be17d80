// A long-lived vitest process (forked with the working copy as cwd, IPC for requests): the
// repository's own vitest through its node API (`createVitest` once, `runTestFiles` per
// request, as StrykerJS's vitest runner keeps one instance). The suite writes a candidate
// into the working copy; the files a request names as changed are invalidated in vite's
// module graph first, so the run transforms them again, as a new `vitest run` would. Replies
// with the results in jest's --json shape (what the spawned vitest's JSON reporter writes).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { clearLate, keptThreads, settle } from './vitest-pool.js';

interface Req {
  args: string[];
  files: string[] | null;
  changed: string[];
}

interface TestCase {
  name: string;
  parent: { type: string; name?: string; parent?: unknown };
  result(): { state: string; errors?: { message?: string }[] };
}
interface TestModule {
  moduleId: string;
  children: { allTests(): Iterable<TestCase> };
}
interface Vitest {
  invalidateFile(path: string): void;
  watcher: { invalidates: Set<string> };
  globTestSpecifications(): Promise<{ moduleId: string }[]>;
  runTestFiles(files: string[]): Promise<{ testModules: TestModule[]; unhandledErrors: unknown[] }>;
}

const cwd = process.cwd();
const req = createRequire(join(cwd, 'noop.js'));
const api = (await import(pathToFileURL(req.resolve('vitest/node')).href)) as {
  parseCLI(argv: string[]): { filter: string[]; options: Record<string, unknown> };
  createVitest(mode: string, options: object, vite: object): Promise<Vitest>;
};
let vitest: Vitest | null = null;
// Pools given as objects are vitest 4's API (earlier versions take a name or a file).
const major = Number(
  (
    JSON.parse(readFileSync(req.resolve('vitest/package.json'), 'utf8')) as { version: string }
  ).version.split('.')[0],
);
const keep = major >= 4 && process.env.LOOPSMITH_VITEST_KEEP !== '0';

const STATUS: Record<string, string> = { passed: 'passed', failed: 'failed' };

async function run(r: Req): Promise<{ crash?: string; testResults: unknown[] }> {
  if (!vitest) {
    const { options } = api.parseCLI(['vitest', ...r.args]);
    // A reporter with no hooks: nothing printed, results read from the API. Test files run
    // one at a time in one worker thread, as StrykerJS's vitest runner runs them (threads
    // start far faster than vitest's default forks; loopsmith runs one worker per core).
    // The thread is kept from file to file and run to run (./vitest-pool.ts, vitest 4 and
    // later) unless LOOPSMITH_VITEST_KEEP=0 (a new thread per file, vitest's threads pool).
    vitest = await api.createVitest(
      'test',
      {
        ...options,
        watch: false,
        reporters: [{}],
        pool: keep ? keptThreads : 'threads',
        maxWorkers: 1,
        coverage: { enabled: false },
      },
      {},
    );
  }
  for (const f of r.changed) {
    vitest.invalidateFile(resolve(cwd, f));
    // A kept thread holds the module's code: listed here, the thread drops it before the run
    // (as vitest's watch mode does for changed files).
    vitest.watcher.invalidates.add(resolve(cwd, f));
  }
  const wanted = r.files
    ? r.files.map((f) => resolve(cwd, f))
    : (await vitest.globTestSpecifications()).map((s) => s.moduleId);
  if (keep) clearLate();
  const { testModules, unhandledErrors } = await vitest.runTestFiles(wanted);
  // A kept thread may report an error after its file's runner stopped (./vitest-thread.ts).
  const lateError = keep ? await settle() : null;
  const asked = new Set(wanted);
  return {
    // An error no test caught fails `vitest run` (exit 1) whatever the tests say.
    crash:
      unhandledErrors.length > 0
        ? String((unhandledErrors[0] as Error)?.message ?? unhandledErrors[0]).slice(0, 500)
        : lateError !== null
          ? lateError.slice(0, 500)
          : undefined,
    testResults: testModules
      .filter((m) => asked.has(m.moduleId))
      .map((m) => ({
        name: m.moduleId,
        assertionResults: [...m.children.allTests()].map((t) => {
          const ancestors: string[] = [];
          let p = t.parent as TestCase['parent'] | undefined;
          while (p && p.type === 'suite') {
            ancestors.unshift(p.name ?? '');
            p = p.parent as TestCase['parent'] | undefined;
          }
          const res = t.result();
          return {
            ancestorTitles: ancestors,
            title: t.name,
            status: STATUS[res.state] ?? 'pending',
            failureMessages: (res.errors ?? []).map((e) => String(e.message ?? 'failed')),
          };
        }),
      })),
  };
}

process.on('message', (msg: Req) => {
  run(msg).then(
    ({ crash, ...res }) => process.send?.({ report: res, crash }),
    (e) => process.send?.({ error: String((e as Error)?.message ?? e).slice(0, 500) }),
  );
});
process.send?.({ ready: true });

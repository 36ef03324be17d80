// A long-lived vitest process (forked with the working copy as cwd, IPC for requests): the
// repository's own vitest through its node API (`createVitest` once, `runTestFiles` per
// request, as StrykerJS's vitest runner keeps one instance). The suite writes a candidate
// into the working copy; the files a request names as changed are invalidated in vite's
// module graph first, so the run transforms them again, as a new `vitest run` would. Replies
// with the results in jest's --json shape (what the spawned vitest's JSON reporter writes).
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

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
  globTestSpecifications(): Promise<{ moduleId: string }[]>;
  runTestFiles(files: string[]): Promise<{ testModules: TestModule[] }>;
}

const cwd = process.cwd();
const req = createRequire(join(cwd, 'noop.js'));
const api = (await import(pathToFileURL(req.resolve('vitest/node')).href)) as {
  parseCLI(argv: string[]): { filter: string[]; options: Record<string, unknown> };
  createVitest(mode: string, options: object, vite: object): Promise<Vitest>;
};
let vitest: Vitest | null = null;

const STATUS: Record<string, string> = { passed: 'passed', failed: 'failed' };

async function run(r: Req): Promise<unknown> {
  if (!vitest) {
    const { options } = api.parseCLI(['vitest', ...r.args]);
    // A reporter with no hooks: nothing printed, results read from the API. Test files run
    // one at a time in one worker thread, as StrykerJS's vitest runner runs them (threads
    // start far faster than vitest's default forks; loopsmith runs one worker per core).
    vitest = await api.createVitest(
      'test',
      {
        ...options,
        watch: false,
        reporters: [{}],
        pool: 'threads',
        maxWorkers: 1,
        coverage: { enabled: false },
      },
      {},
    );
  }
  for (const f of r.changed) vitest.invalidateFile(resolve(cwd, f));
  const wanted = r.files
    ? r.files.map((f) => resolve(cwd, f))
    : (await vitest.globTestSpecifications()).map((s) => s.moduleId);
  const { testModules } = await vitest.runTestFiles(wanted);
  const keep = new Set(wanted);
  return {
    testResults: testModules
      .filter((m) => keep.has(m.moduleId))
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
    (res) => process.send?.({ report: res }),
    (e) => process.send?.({ error: String((e as Error)?.message ?? e).slice(0, 500) }),
  );
});
process.send?.({ ready: true });

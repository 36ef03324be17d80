// What `tasks gen` generates: the spec and its defaults. Its own module with no imports, so
// the CLI reads the defaults without loading the generator (start-up time, dev/LOG.md runner6).

/** What to generate. */
export interface GenSpec {
  /** "synth" or the path of a local npm-style repository. */
  source: string;
  /** Target number of tasks in the store. */
  count: number;
  /** Base seed: repository i of the run uses seed + i. @default 1 */
  seed: number;
  /** Keep only tasks of this curriculum stage. @default both */
  stage?: 1 | 2;
  /** Parallel workers. @default os.availableParallelism() */
  workers: number;
  /** Share of repositories held out for evaluation (by repo, never split). @default 0.05 */
  evalFraction: number;
  /** Candidates sampled per bug kind per repo. @default 4 */
  maxPerKind: number;
  /** Combined (2-4 bug) tasks attempted per repo. @default 3 */
  combinePerRepo: number;
  /** Implement (function body removed) tasks attempted per repo. @default 2 */
  implementPerRepo: number;
  /** Test command for local repositories. @default the repo's `npm test` */
  testCmd?: string;
  /** Test runner of a local repository (node:test, mocha, jest, ...). @default detected */
  runner?: string;
  /** Budget of one test run in ms (vm path: synchronous part; spawn path: whole command). @default 2000 */
  timeoutMs: number;
  /** Drop TypeScript mutants that do not type-check (about 1 s of CPU per TS repo). @default true */
  typeCheck: boolean;
  /** Runs that reuse a warm vm context (see VmSuiteOptions.warm). @default 'first' */
  warm: 'all' | 'first' | 'none';
}

export const DEFAULT_SPEC: Omit<GenSpec, 'source' | 'count'> = {
  seed: 1,
  workers: 2,
  evalFraction: 0.05,
  maxPerKind: 4,
  combinePerRepo: 3,
  implementPerRepo: 2,
  timeoutMs: 2000,
  typeCheck: true,
  warm: 'first',
};

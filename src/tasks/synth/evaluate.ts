// Runs the generated code in-process to record expected values for the tests: the tests
// assert what the clean code actually returns, so they pass on the clean repo by construction.
import vm from 'node:vm';
import type { Rng } from '../rng.js';
import type { ModulePlan } from './layout.js';
import { renderSpec } from './render.js';
import type { ClassSpec, FnSpec, Step } from './types.js';
import { literal } from './values.js';

/** The outcome of one call: a value or a thrown error's message. */
export type Outcome = { ok: true; value: unknown } | { ok: false; message: string };

/** A recorded test case of a function. */
export interface FnCase {
  args: unknown[];
  outcome: Outcome;
}

/** A recorded class scenario: every step with its outcome. */
export interface ClassCase {
  ctor: unknown[];
  steps: { step: Step; outcome: Outcome }[];
}

/** The loaded plan: a vm context holding every function and class of the repo. */
export interface Loaded {
  ctx: vm.Context;
}

/** Budget of one batch of calls: only a true hang (a helper fed a huge input) reaches it. */
const BATCH_TIMEOUT_MS = 2000;

/** One call to run in the context; `self: { ref: k }` is the value returned by job k. */
interface Job {
  kind: 'call' | 'new' | 'get';
  fn?: unknown;
  self?: unknown;
  ref?: number;
  name?: string;
  args: unknown[];
}

// One script runs a whole batch: a vm timeout arms a watchdog per run, which would cost more
// than the calls themselves if every call were its own run.
const BATCH = new vm.Script(`
for (; __i < __jobs.length; __i++) {
  const j = __jobs[__i];
  const self = j.ref === undefined ? j.self : (__res[j.ref] && __res[j.ref].ok ? __res[j.ref].value : undefined);
  try {
    let value;
    if (j.kind === 'new') value = new j.fn(...j.args);
    else if (j.kind === 'get') value = self[j.name];
    else if (j.name !== undefined) value = self[j.name](...j.args);
    else value = j.fn(...j.args);
    __res[__i] = { ok: true, value };
  } catch (e) {
    __res[__i] = { ok: false, message: e && typeof e.message === 'string' ? e.message : String(e) };
  }
}`);

/** Loads every module of the plan (JS rendering, exports dropped) into one fresh vm context. */
export function loadPlan(plans: ModulePlan[], arrow = false): Loaded {
  const specs = plans.flatMap((p) => p.specs);
  const code = specs.map((s) => renderSpec(s, false, false, arrow)).join('\n\n');
  const names = specs.map((s) => s.name).join(', ');
  const ctx = vm.createContext({});
  vm.runInContext(`'use strict';\n${code}\nglobalThis.__exports = { ${names} };`, ctx, {
    timeout: BATCH_TIMEOUT_MS,
  });
  return { ctx };
}

/** Runs jobs in order; a job that hangs gets null and the batch goes on after it. */
function runJobs(l: Loaded, jobs: Job[]): (Outcome | null)[] {
  const res: (Outcome | null)[] = new Array(jobs.length).fill(null);
  Object.assign(l.ctx, {
    __jobs: jobs.map((j) => ({ ...j, args: structuredClone(j.args) })),
    __res: res,
    __i: 0,
  });
  while ((l.ctx.__i as number) < jobs.length) {
    try {
      BATCH.runInContext(l.ctx, { timeout: BATCH_TIMEOUT_MS });
    } catch (e) {
      if ((e as { code?: string }).code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw e;
      res[l.ctx.__i as number] = null;
      l.ctx.__i = (l.ctx.__i as number) + 1;
    }
  }
  return res;
}

/** The outcome with its value copied into this realm, or null when a test could not print it. */
function settle(o: Outcome | null): Outcome | null {
  if (o === null || !o.ok) return o;
  return representable(o.value) ? { ok: true, value: structuredClone(o.value) } : null;
}

function exported(l: Loaded, name: string): unknown {
  const f = (l.ctx.__exports as Record<string, unknown>)[name];
  if (typeof f !== 'function') throw new Error(`evaluate: ${name} is not defined`);
  return f;
}

/** Picks up to n cases for a function, preferring distinct outcomes (edge cases first). */
export function fnCases(
  spec: FnSpec,
  l: Loaded,
  rng: Rng,
  n: number,
  /** Argument lists (as `literal` keys) not to use: a hidden file's cases avoid the visible ones. */
  exclude?: ReadonlySet<string>,
): FnCase[] {
  const f = exported(l, spec.name);
  const seenArgs = new Set<string>(exclude);
  // Edge cases come first in the visible tests; fresh inputs only (more draws) when excluding.
  const candidates = [
    ...(exclude ? [] : (spec.edge ?? [])),
    ...Array.from({ length: exclude ? 4 * n + 4 : 2 * n + 2 }, () => spec.args(rng)),
  ].filter((args) => {
    const key = literal(args);
    if (seenArgs.has(key)) return false;
    seenArgs.add(key);
    return true;
  });
  const results = runJobs(
    l,
    candidates.map((args) => ({ kind: 'call', fn: f, args })),
  );
  const seenOut = new Set<string>();
  const fresh: FnCase[] = [];
  const repeats: FnCase[] = [];
  let throws = 0;
  candidates.forEach((args, i) => {
    const outcome = settle(results[i]!);
    if (outcome === null) return;
    if (!outcome.ok && (outcome.message === '' || ++throws > 1)) return;
    const outKey = outcome.ok ? literal(outcome.value) : `throw:${outcome.message}`;
    (seenOut.has(outKey) ? repeats : fresh).push({ args, outcome });
    seenOut.add(outKey);
  });
  return [...fresh, ...repeats].slice(0, n);
}

/** Runs n scenarios of a class. */
export function classCases(
  spec: ClassSpec,
  l: Loaded,
  rng: Rng,
  n: number,
  /** Scenario keys (`scenarioKey`) not to use. */
  exclude?: ReadonlySet<string>,
): ClassCase[] {
  const C = exported(l, spec.name);
  const scenarios: { ctor: unknown[]; steps: Step[] }[] = [];
  const seen = new Set<string>(exclude);
  for (let i = 0; i < n * 3 && scenarios.length < n; i++) {
    const sc = spec.scenario(rng);
    const key = scenarioKey(sc);
    if (seen.has(key)) continue;
    seen.add(key);
    scenarios.push(sc);
  }
  const jobs: Job[] = [];
  const starts: number[] = [];
  for (const sc of scenarios) {
    const ref = jobs.length;
    starts.push(ref);
    jobs.push({ kind: 'new', fn: C, args: sc.ctor });
    for (const st of sc.steps)
      jobs.push({ kind: st.get ? 'get' : 'call', ref, name: st.method, args: st.args });
  }
  const res = runJobs(l, jobs);
  const out: ClassCase[] = [];
  scenarios.forEach((sc, k) => {
    const at = starts[k]!;
    if (!res[at]?.ok) return;
    const done = sc.steps.map((step, j) => ({ step, outcome: settle(res[at + 1 + j]!) }));
    if (done.every((d) => d.outcome !== null))
      out.push({ ctor: sc.ctor, steps: done as ClassCase['steps'] });
  });
  return out;
}

/** A class scenario's identity: constructor arguments and its calls with their arguments. */
export function scenarioKey(sc: { ctor: unknown[]; steps: Step[] }): string {
  return literal([sc.ctor, sc.steps.map((s) => [s.method, s.args])]);
}

/** Values a test can write as a literal and compare with assert.equal / deepEqual (any realm). */
function representable(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.every(representable);
  const t = typeof value;
  if (t === 'number' || t === 'string' || t === 'boolean') return true;
  if (t !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  const plain =
    proto === null ||
    (Object.getPrototypeOf(proto) === null && proto.constructor?.name === 'Object');
  return plain && Object.values(value as object).every(representable);
}

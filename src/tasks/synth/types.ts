// Internal shapes of the procedural repository generator: templates produce function and
// class specs; the generator places them in modules, evaluates them and writes tests.
import type { Rng } from '../rng.js';

/** Options of generateRepo. */
export interface SynthOptions {
  /** Language of the generated project. @default picked from the seed (about half each) */
  language: 'ts' | 'js' | 'auto';
  /** Number of public (tested) modules. @default 3 */
  modules: number;
  /** Functions or classes per public module. @default 4 */
  functionsPerModule: number;
  /** Layers of internal helper modules under the public ones (call-chain depth). @default 2 */
  depth: number;
  /** Probability that a template asks for a helper instead of inlining its logic. @default 0.7 */
  helperRate: number;
  /** Test cases per public function. @default 4 */
  testsPerFunction: number;
  /**
   * Cases per public function in a hidden test file beside each visible one
   * (`test/<m>.hidden.test.<ext>`): fresh inputs for the same behaviour, never shown to the
   * agent, so a fix that special-cases the visible inputs fails them. Inputs the visible
   * file uses (edge cases too) are not drawn again. 0 = none. The default is part of the
   * generator version (a repo id rebuilds with the defaults); other values are not encoded
   * in the repo id. @default 3
   */
  hiddenCases: number;
}

export const DEFAULT_SYNTH_OPTIONS: SynthOptions = {
  language: 'auto',
  modules: 3,
  functionsPerModule: 4,
  depth: 2,
  helperRate: 0.7,
  testsPerFunction: 4,
  hiddenCases: 3,
};

/** Signature class of a unary helper, used to wire call chains between layers. */
export type Sig = 'n->n' | 's->s' | 's->b' | 'n->b' | 'n[]->n' | 's->n' | 'n[]->n[]' | 's[]->s';

export interface Param {
  name: string;
  /** TypeScript type text. */
  type: string;
  /** Default value source text (makes the parameter optional). */
  default?: string;
}

/** Adds TypeScript-only text: returns its argument in TS repos and '' in JS repos. */
export type TsText = (text: string) => string;

/** A generated function before rendering. */
export interface FnSpec {
  kind: 'fn';
  name: string;
  params: Param[];
  returns: string;
  /** One-sentence JSDoc summary. */
  doc: string;
  /** Body lines (indented by two spaces), without the braces; a function when it has TS-only text. */
  body: string | ((t: TsText) => string);
  /** Names of repo functions the body calls. */
  calls: string[];
  /** One random argument list. */
  args: (rng: Rng) => unknown[];
  /** Edge cases always tried first. */
  edge?: unknown[][];
  /** Unary signature when the function can serve as a helper. */
  sig?: Sig;
  template: string;
}

/** One method call in a class test scenario. */
export interface Step {
  method: string;
  args: unknown[];
  /** Read a property instead of calling a method. */
  get?: boolean;
}

/** A generated class before rendering. */
export interface ClassSpec {
  kind: 'class';
  name: string;
  doc: string;
  /** The class text without the `export` keyword. */
  render: (t: TsText) => string;
  calls: string[];
  /** A random scenario: constructor arguments then steps. */
  scenario: (rng: Rng) => { ctor: unknown[]; steps: Step[] };
  template: string;
}

export type Spec = FnSpec | ClassSpec;

/** What a template can ask of the generator while it builds. */
export interface BuildCtx {
  rng: Rng;
  ts: boolean;
  /** A fresh identifier based on one of the candidates (suffixed when taken). */
  name(candidates: readonly string[]): string;
  /** Name of a helper with this signature one layer down, or null (then inline the logic). */
  helper(sig: Sig): string | null;
}

/** A function or class template. */
export interface Template {
  id: string;
  domain: Domain;
  /** Set when every instance is a unary function of this signature (usable as a helper). */
  sig?: Sig;
  build(ctx: BuildCtx): Spec;
}

export type Domain =
  | 'math'
  | 'strings'
  | 'collections'
  | 'dates'
  | 'validation'
  | 'money'
  | 'parsing'
  | 'format'
  | 'structures'
  | 'state';

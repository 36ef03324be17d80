// Mutant schemata at function granularity: every candidate of a file whose edits lie inside
// one function body is compiled into that body, switched at run time by a global
// (`__ls_m === id`), so one load of the module serves every mutant. Each function also gets
// a coverage probe (`__ls_cov(k)`) at entry, which tells which tests reach which mutants.
// Candidates outside any function (module top level, class fields) are not switchable.
import { type AnyNode, children, parseProgram } from '../../mutate/ast.js';
import type { TextEdit } from '../../types.js';
import { spliceEdits } from '../../validate.js';

/** A candidate to compile in: its id (> 0, the value of `__ls_m` that activates it) and edits. */
export interface SchemaMutant {
  id: number;
  edits: TextEdit[];
}

export interface Schema {
  /** The instrumented source (all switchable mutants compiled in). */
  code: string;
  /** Mutant id -> probe id of the function whose body holds it (only switchable mutants). */
  probeOf: Map<number, number>;
  /** Number of probes in this file (ids `base` .. `base + count - 1`). */
  count: number;
}

interface Fn {
  /** Body span: a block (`{...}`) or an expression (arrow shorthand). */
  bodyStart: number;
  bodyEnd: number;
  expr: boolean;
  kids: Fn[];
  mutants: SchemaMutant[];
  probe: number;
}

const FUNCTION_TYPES = new Set([
  'FunctionDeclaration',
  'FunctionExpression',
  'ArrowFunctionExpression',
]);

function collect(node: AnyNode, into: Fn[]): void {
  for (const [, child] of children(node)) {
    if (FUNCTION_TYPES.has(child.type) && child.body && typeof child.body === 'object') {
      const body = child.body as AnyNode;
      const expr = body.type !== 'BlockStatement' && body.type !== 'FunctionBody';
      const fn: Fn = {
        bodyStart: body.start,
        bodyEnd: body.end,
        expr,
        kids: [],
        mutants: [],
        probe: -1,
      };
      into.push(fn);
      collect(body, fn.kids);
      // Parameters may hold functions too (default values): they belong to the outer scope.
      for (const [key, c] of children(child)) if (key !== 'body') collect(c, into);
    } else collect(child, into);
  }
  into.sort((a, b) => a.bodyStart - b.bodyStart);
}

/** The interior a mutant edits must stay in: inside the braces, or the whole expression. */
function inside(fn: Fn, e: TextEdit): boolean {
  return fn.expr
    ? e.start >= fn.bodyStart && e.end <= fn.bodyEnd
    : e.start > fn.bodyStart && e.end < fn.bodyEnd;
}

function innermost(fns: Fn[], edits: TextEdit[]): Fn | null {
  for (const fn of fns) {
    if (!edits.every((e) => inside(fn, e))) continue;
    return innermost(fn.kids, edits) ?? fn;
  }
  return null;
}

/** Builds the schema of one file (`base` = first probe id, so ids are unique across files). */
export function buildSchema(
  path: string,
  source: string,
  mutants: SchemaMutant[],
  base: number,
): Schema {
  const top: Fn[] = [];
  collect(parseProgram(path, source), top);
  let next = base;
  const number = (fns: Fn[]) => {
    for (const f of fns) {
      f.probe = next++;
      number(f.kids);
    }
  };
  number(top);
  const probeOf = new Map<number, number>();
  for (const m of mutants) {
    const fn = innermost(top, m.edits);
    if (!fn) continue;
    fn.mutants.push(m);
    probeOf.set(m.id, fn.probe);
  }
  // Text of [from, to) with each function inside replaced by its switched, probed body.
  const render = (from: number, to: number, fns: Fn[]): string => {
    let out = '';
    let at = from;
    for (const f of fns) {
      if (f.bodyStart < from || f.bodyEnd > to) continue;
      out += source.slice(at, f.bodyStart) + body(f);
      at = f.bodyEnd;
    }
    return out + source.slice(at, to);
  };
  const body = (f: Fn): string => {
    const probe = `__ls_cov(${f.probe})`;
    if (f.expr) {
      const orig = render(f.bodyStart, f.bodyEnd, f.kids);
      let sw = `(${orig})`;
      for (const m of [...f.mutants].reverse()) {
        const text = mutated(f, m);
        sw = `(__ls_m === ${m.id} ? (${text}) : ${sw})`;
      }
      return `(${probe}, ${sw})`;
    }
    const orig = render(f.bodyStart + 1, f.bodyEnd - 1, f.kids);
    if (f.mutants.length === 0) return `{${probe};${orig}}`;
    const branches = f.mutants
      .map((m) => `if (__ls_m === ${m.id}) {${mutated(f, m)}\n}`)
      .join(' else ');
    return `{${probe}; ${branches} else {${orig}\n}}`;
  };
  // The mutant's body: the original body text (functions inside left unprobed) with its edits.
  const mutated = (f: Fn, m: SchemaMutant): string => {
    const from = f.expr ? f.bodyStart : f.bodyStart + 1;
    const to = f.expr ? f.bodyEnd : f.bodyEnd - 1;
    const local = m.edits.map((e) => ({ start: e.start - from, end: e.end - from, text: e.text }));
    return spliceEdits(source.slice(from, to), local);
  };
  return { code: render(0, source.length, top), probeOf, count: next - base };
}

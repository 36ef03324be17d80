// How the oracle finds its way to a change the way a person would: the name of the function,
// method or class around it (searched for when an observation has shown that name), the
// search a person would type for its definition, and what the search tool would answer
// (simulated on the files, so the oracle never issues a search that misses by accident),
// what to read after a hit, and how to sum the change up.
import { repoDiff } from '../tasks/run/diff.js';
import { type EditCall, editsForFile } from './oracle-edits.js';
import type { History } from './oracle-history.js';
import { parsePatch } from './patch.js';

export type SymbolKind = 'class' | 'function' | 'method' | 'const';
export interface CodeSymbol {
  name: string;
  kind: SymbolKind;
  /** 1-based line of the definition. */
  line: number;
}

const FUNCTION = /^\s*(?:export\s+)?(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)/;
const CLASS = /^\s*(?:export\s+)?(?:abstract\s+)?class\s+([A-Za-z_$][\w$]*)/;
const METHOD =
  /^\s+(?:static\s+|async\s+|get\s+|set\s+|public\s+|private\s+|protected\s+)*(?!if\b|for\b|while\b|switch\b|catch\b|return\b|function\b)([A-Za-z_$][\w$]*)\s*\([^)]*\)\s*(?::\s*[^{]+)?\{/;
const CONST = /^(?:export\s+)?(?:const|let)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=/;

/** The symbols enclosing a 0-based line, innermost first (a method, then its class). */
export function symbolsAround(lines: string[], at: number): CodeSymbol[] {
  const out: CodeSymbol[] = [];
  let innerIndent = Number.POSITIVE_INFINITY;
  for (let i = Math.min(at, lines.length - 1); i >= 0; i--) {
    const l = lines[i];
    const indent = l.length - l.trimStart().length;
    if (l.trim() === '' || indent >= innerIndent) continue;
    const kinds: [RegExp, SymbolKind][] = [
      [CLASS, 'class'],
      [FUNCTION, 'function'],
      [CONST, 'const'],
      [METHOD, 'method'],
    ];
    let m: RegExpExecArray | null = null;
    let kind: SymbolKind | undefined;
    for (const [re, k] of kinds) {
      m = re.exec(l);
      if (m) {
        kind = k;
        break;
      }
    }
    if (m && kind && m[1] !== 'constructor') {
      out.push({ name: m[1], kind, line: i + 1 });
      innerIndent = indent;
      if (indent === 0) break;
    }
  }
  return out;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The search a person types for a symbol's definition. */
export function definitionPattern(s: CodeSymbol): string {
  if (s.kind === 'class') return `class ${esc(s.name)}\\b`;
  if (s.kind === 'function') return `function ${esc(s.name)}\\b`;
  if (s.kind === 'const') return `const ${esc(s.name)}\\b`;
  return `^\\s+${esc(s.name)}\\(`;
}

/** A plausible search that guesses the wrong kind of definition (class for a function ...). */
export function wrongKindPattern(s: CodeSymbol): string {
  return s.kind === 'function' ? `class ${esc(s.name)}\\b` : `function ${esc(s.name)}\\b`;
}

/** Whether the word appears in any of the texts (as a whole word). */
export function mentioned(word: string, texts: readonly string[]): boolean {
  const re = new RegExp(`(^|[^\\w$])${esc(word)}([^\\w$]|$)`);
  return texts.some((t) => re.test(t));
}

/** `path:line` hits of a search over the files, as the search tool finds them (sorted by path). */
export function simulateSearch(
  files: Record<string, string>,
  pattern: string,
  glob?: string,
): { path: string; line: number }[] {
  const re = new RegExp(pattern);
  const ext = glob ? /^\*\.(\w+)$/.exec(glob)?.[1] : undefined;
  const hits: { path: string; line: number }[] = [];
  for (const path of Object.keys(files).sort()) {
    if (ext && !path.endsWith(`.${ext}`)) continue;
    const lines = files[path].split('\n');
    for (let i = 0; i < lines.length; i++) if (re.test(lines[i])) hits.push({ path, line: i + 1 });
  }
  return hits;
}

// A plausible wrong variant of a changed line: a different operator or constant than the fix.
export function wrongVariant(line: string, right: string): string | undefined {
  const swaps: [RegExp, string][] = [
    [/ < /, ' > '],
    [/ <= /, ' >= '],
    [/ > /, ' < '],
    [/ >= /, ' <= '],
    [/ \+ /, ' * '],
    [/ - /, ' / '],
    [/\b(\d+)\b/, '$1 + 1'],
    [/ === /, ' !== '],
    [/ && /, ' || '],
    [/ \|\| /, ' && '],
  ];
  for (const [re, rep] of swaps) {
    if (!re.test(line)) continue;
    const w = line.replace(re, rep);
    if (w !== line && w !== right) return w;
  }
  return undefined;
}

// A read from the definition the search found (when close above the change) through a few
// lines past the change; otherwise a window around the change.
export function readWindow(
  text: string,
  e: EditCall,
  h: History,
  path: string,
): Record<string, unknown> {
  const total = text.split('\n').length;
  const end = e.line + e.old_string.split('\n').length - 1;
  let hit: number | undefined;
  for (const c of h.calls)
    if (c.name === 'search')
      for (const m of (c.output ?? '').matchAll(
        new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+):`, 'gm'),
      )) {
        const n = Number(m[1]);
        if (n <= e.line && (hit === undefined || n > hit)) hit = n;
      }
  // From the definition a search found, else from the top: both are lines the agent knows.
  const from = hit !== undefined && e.line - hit < 60 ? hit : 1;
  const limit = Math.min(total, end + 4) - from + 1;
  return { path, offset: from, limit };
}

// One line per change: `old` -> `new` for a one-line change, else the lines touched.
export function summarize(
  start: Record<string, string>,
  files: Record<string, string>,
  paths: string[],
): string {
  const parts: string[] = [];
  for (const path of paths) {
    for (const fp of parsePatch(repoDiff({ [path]: start[path] }, { [path]: files[path] }))) {
      for (const e of editsForFile(start[path], fp).edits) {
        const a = e.old_string.split('\n');
        const b = e.new_string.split('\n');
        const i = a.findIndex((l, k) => l !== b[k]);
        parts.push(
          a.length === 1 && b.length === 1
            ? `${path}:${e.line}: \`${a[0].trim()}\` -> \`${b[0].trim()}\`.`
            : `${path}: changed the lines near ${e.line + Math.max(0, i)}.`,
        );
      }
    }
  }
  return `${parts.join(' ')} Tests pass.`;
}

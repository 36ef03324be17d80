// `edit`: replace a passage of a file. Small models copy text imperfectly, so an exact
// match is tried first, then one that ignores whitespace; failures show what is there.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { type Tool, ToolError } from '../tool.js';
import { didYouMean } from './hints.js';
import {
  closestCandidates,
  exactSpans,
  fitIndent,
  lineAt,
  looseSpans,
  type Span,
  stripLineNumbers,
} from './match.js';
import { resolvePath } from './paths.js';
import { binaryKind, numberLines, splitLines } from './text.js';

/** Lines of context shown around each change in the report. @default 2 */
export const EDIT_CONTEXT_LINES = 2;
/** Changes shown in the report (the rest are only counted). @default 3 */
export const EDIT_SHOWN_CHANGES = 3;

const schema = z.object({
  path: z.string(),
  old_string: z.string(),
  new_string: z.string(),
  replace_all: z.boolean().default(false),
});

function notFound(rel: string, text: string, oldString: string): ToolError {
  const lines = splitLines(text);
  const cands = closestCandidates(lines, oldString);
  if (cands.length === 0)
    return new ToolError(
      `old_string not found in ${rel}, nor anything similar; read the file to get its exact text`,
    );
  const shown = cands.map((c) => {
    const head = `lines ${c.line}-${c.line + c.lines - 1} (${Math.round(c.score * 100)}% similar):`;
    return `${head}\n${numberLines(lines.slice(c.line - 1, c.line - 1 + c.lines), c.line, 200)}`;
  });
  return new ToolError(`old_string not found in ${rel}. Closest text:\n${shown.join('\n')}`);
}

interface Located {
  spans: Span[];
  loose: boolean;
  /** The old and new text as matched (line-number prefixes removed when that was needed). */
  oldS: string;
  newS: string;
  numbered: boolean;
}

/** Where old_string is: exactly, then ignoring whitespace, then without copied line numbers. */
function locate(text: string, oldS: string, newS: string): Located {
  const exact = exactSpans(text, oldS);
  if (exact.length) return { spans: exact, loose: false, oldS, newS, numbered: false };
  const loose = looseSpans(text, oldS);
  if (loose.length) return { spans: loose, loose: true, oldS, newS, numbered: false };
  const bare = stripLineNumbers(oldS);
  if (bare === null) return { spans: [], loose: false, oldS, newS, numbered: false };
  // new_string copied from the same numbered view carries the numbers too.
  const newBare = stripLineNumbers(newS) ?? newS;
  const again = locate(text, bare, newBare);
  return { ...again, numbered: again.spans.length > 0 };
}

/** "3, 9, 14", cut after 20 numbers. */
const lineList = (ns: number[]) =>
  ns.length > 20 ? `${ns.slice(0, 20).join(', ')}, ...` : ns.join(', ');

/** Numbered lines around each changed region of the new text. */
function report(text: string, regions: Array<{ start: number; end: number }>): string {
  const lines = splitLines(text);
  return regions
    .slice(0, EDIT_SHOWN_CHANGES)
    .map(({ start, end }) => {
      const a = Math.max(1, lineAt(text, start) - EDIT_CONTEXT_LINES);
      const b = Math.min(lines.length, lineAt(text, Math.max(start, end - 1)) + EDIT_CONTEXT_LINES);
      return numberLines(lines.slice(a - 1, b), a, 200);
    })
    .join('\n...\n');
}

export const editTool: Tool<typeof schema> = {
  name: 'edit',
  description: 'Replace exact text in a file; old_string must be unique unless replace_all.',
  schema,
  async execute(args, ctx) {
    const { abs, rel } = await resolvePath(ctx.root, args.path, 'write', [], ctx.workdir);
    const st = await stat(abs).catch(() => null);
    if (!st)
      throw new ToolError(
        `file not found: ${rel}${await didYouMean(ctx.root, rel)}; use write to create a file`,
      );
    if (!st.isFile()) throw new ToolError(`${rel} is not a regular file`);
    if (args.old_string === '')
      throw new ToolError('old_string is empty; use write to create or overwrite a whole file');
    if (args.old_string === args.new_string)
      throw new ToolError('old_string and new_string are identical; nothing to change');
    const buf = await readFile(abs);
    if (binaryKind(buf.subarray(0, 8192)))
      throw new ToolError(`${rel} is a binary file; edit works on text only`);
    const raw = buf.toString('utf8');
    // A CRLF file is edited as LF and written back as CRLF, so LF-only model text matches.
    const crlf = raw.includes('\r\n') && raw.split('\r\n').length === raw.split('\n').length;
    const text = crlf ? raw.replace(/\r\n/g, '\n') : raw;
    const oldS = crlf ? args.old_string.replace(/\r\n/g, '\n') : args.old_string;
    const newS = crlf ? args.new_string.replace(/\r\n/g, '\n') : args.new_string;

    const { spans, loose, oldS: matchedOld, newS: used, numbered } = locate(text, oldS, newS);
    if (spans.length === 0) throw notFound(rel, text, stripLineNumbers(oldS) ?? oldS);
    if (spans.length > 1 && !args.replace_all) {
      const at = lineList(spans.map((s) => lineAt(text, s.start)));
      throw new ToolError(
        `old_string matches ${spans.length} times in ${rel} (lines ${at}); include more surrounding lines to make it unique, or set replace_all`,
      );
    }
    // Splice from the end so earlier offsets stay valid; record where each new text lands.
    let out = text;
    const lens: number[] = [];
    for (let i = spans.length - 1; i >= 0; i--) {
      const s = spans[i];
      const piece = loose ? fitIndent(used, matchedOld, text, s) : used;
      out = out.slice(0, s.start) + piece + out.slice(s.end);
      lens[i] = piece.length;
    }
    let shift = 0;
    const regions = spans.map((s, i) => {
      const r = { start: s.start + shift, end: s.start + shift + lens[i] };
      shift += lens[i] - (s.end - s.start);
      return r;
    });
    if (out === text) throw new ToolError('the edit leaves the file unchanged');
    await writeFile(abs, crlf ? out.replace(/\n/g, '\r\n') : out);
    const where = lineList(regions.map((r) => lineAt(out, r.start)));
    const head = `edited ${rel}: ${spans.length} replacement${spans.length > 1 ? 's' : ''} at line${spans.length > 1 ? 's' : ''} ${where}${numbered ? ' (line numbers removed from old_string)' : ''}${loose ? ' (matched ignoring whitespace)' : ''}`;
    return {
      output: `${head}\n${report(out, regions)}`,
      meta: { replacements: spans.length, loose },
    };
  },
};

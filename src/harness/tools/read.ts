// `read`: a page of a text file as numbered lines, so the model can cite and edit them.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { type Tool, ToolError } from '../tool.js';
import { didYouMean } from './hints.js';
import { resolvePath } from './paths.js';
import { binaryKind, formatSize, numberLines, readHead, splitLines } from './text.js';

export interface ReadLimits {
  /** Lines shown when the model gives no limit. @default 2000 */
  defaultLines: number;
  /** Characters of one line kept. @default 1000 */
  maxLineChars: number;
  /** Characters of one page; the page ends early past this. @default 40000 */
  maxChars: number;
  /** Files above this size are streamed instead of loaded whole. @default 16 MiB */
  streamAbove: number;
}
export const READ_LIMITS: ReadLimits = {
  defaultLines: 2000,
  maxLineChars: 1000,
  maxChars: 40_000,
  streamAbove: 16 << 20,
};

const schema = z.object({
  path: z.string(),
  offset: z.coerce.number().int().min(1).optional().describe('first line, 1-based'),
  limit: z.coerce.number().int().min(1).optional().describe('max lines'),
});

interface Page {
  lines: string[];
  /** Total lines in the file, or null when a huge file was not read to its end. */
  total: number | null;
}

async function pageOf(abs: string, size: number, start: number, count: number): Promise<Page> {
  if (size <= READ_LIMITS.streamAbove) {
    const all = splitLines(await readFile(abs, 'utf8'));
    return { lines: all.slice(start - 1, start - 1 + count), total: all.length };
  }
  // Huge file: stop reading once the page is complete rather than loading gigabytes.
  const lines: string[] = [];
  let n = 0;
  const rl = createInterface({
    input: createReadStream(abs, { encoding: 'utf8' }),
    crlfDelay: Infinity,
  });
  for await (const line of rl) {
    n++;
    if (n >= start) lines.push(line);
    if (lines.length >= count) break;
  }
  rl.close();
  return { lines, total: lines.length < count ? n : null };
}

/** Keeps whole lines until the page's character budget is spent. */
function fitChars(lines: string[]): string[] {
  let chars = 0;
  for (let i = 0; i < lines.length; i++) {
    chars += Math.min(lines[i].length, READ_LIMITS.maxLineChars) + 8;
    if (chars > READ_LIMITS.maxChars && i > 0) return lines.slice(0, i);
  }
  return lines;
}

export const readTool: Tool<typeof schema> = {
  name: 'read',
  description: 'Read a text file as numbered lines.',
  schema,
  async execute(args, ctx) {
    const { abs, rel } = await resolvePath(ctx.root, args.path, 'read', ctx.readRoots, ctx.workdir);
    const st = await stat(abs).catch(() => null);
    if (!st) throw new ToolError(`file not found: ${rel}${await didYouMean(ctx.root, rel)}`);
    if (st.isDirectory())
      throw new ToolError(`${rel} is a directory; use list to see its contents`);
    if (!st.isFile()) throw new ToolError(`${rel} is not a regular file`);
    const kind = binaryKind(await readHead(abs));
    if (kind)
      throw new ToolError(
        `${rel} is a binary file (${kind}, ${formatSize(st.size)}); read shows text only`,
      );
    if (st.size === 0) return { output: `(${rel} is empty)` };
    const start = args.offset ?? 1;
    const page = await pageOf(abs, st.size, start, args.limit ?? READ_LIMITS.defaultLines);
    if (page.lines.length === 0) {
      throw new ToolError(`offset ${start} is past the end of ${rel} (${page.total} lines)`);
    }
    const shown = fitChars(page.lines);
    const end = start + shown.length - 1;
    let output = numberLines(shown, start, READ_LIMITS.maxLineChars);
    const whole = start === 1 && page.total !== null && end === page.total;
    if (!whole) {
      const of = page.total === null ? `a ${formatSize(st.size)} file` : `${page.total}`;
      const more =
        page.total === null || end < page.total ? `; use offset=${end + 1} to continue` : '';
      output += `\n[showing lines ${start}-${end} of ${of}${more}]`;
    }
    return { output, meta: { truncated: !whole } };
  },
};

// `search`: a regex over the workspace's text files, as git sees them, capped with totals.
import { stat } from 'node:fs/promises';
import { z } from 'zod';
import { type Tool, ToolError } from '../tool.js';
import { didYouMean } from './hints.js';
import { resolvePath } from './paths.js';
import { runScan } from './search-pool.js';
import type { ScanInput } from './search-scan.js';
import { formatSize } from './text.js';

export interface SearchLimits {
  /** Matching lines shown; all are still counted. @default 50 */
  maxMatches: number;
  /** Characters of a matching line shown. @default 200 */
  maxLineChars: number;
  /** Files larger than this are skipped (generated bundles, data). @default 1 MiB */
  maxFileBytes: number;
  /** Wall time of one search; past it the scan is stopped (runaway regex). @default 20_000 */
  timeoutMs: number;
}
export const SEARCH_LIMITS: SearchLimits = {
  maxMatches: 50,
  maxLineChars: 200,
  maxFileBytes: 1 << 20,
  timeoutMs: 20_000,
};

const schema = z.object({
  pattern: z.string().describe('JS regex'),
  path: z.string().default('.'),
  glob: z.string().optional().describe('e.g. *.ts'),
});

/** The model's pattern as a RegExp; `/re/flags` literals are accepted as well. */
export function compilePattern(pattern: string): RegExp {
  if (pattern === '') throw new ToolError('pattern is empty');
  const literal = /^\/(.+)\/([imsu]*)$/s.exec(pattern);
  try {
    return literal ? new RegExp(literal[1], literal[2]) : new RegExp(pattern);
  } catch (e) {
    throw new ToolError(
      `invalid regex ${JSON.stringify(pattern)}: ${(e as Error).message}; escape special characters such as ( [ { . with \\`,
    );
  }
}

export const searchTool: Tool<typeof schema> = {
  name: 'search',
  description: 'Search file contents with a regex; prints file:line: text.',
  schema,
  async execute(args, ctx) {
    const re = compilePattern(args.pattern);
    const { abs, rel } = await resolvePath(ctx.root, args.path, 'read', [], ctx.workdir);
    const st = await stat(abs).catch(() => null);
    if (!st) throw new ToolError(`path not found: ${rel}${await didYouMean(ctx.root, rel)}`);
    const { maxMatches, maxLineChars, maxFileBytes } = SEARCH_LIMITS;
    const input: ScanInput = {
      root: ctx.root,
      rel,
      isDir: st.isDirectory(),
      source: re.source,
      flags: re.flags,
      glob: args.glob,
      maxMatches,
      maxLineChars,
      maxFileBytes,
    };
    const r = await runScan(input, SEARCH_LIMITS.timeoutMs, ctx.signal);
    const skipNote =
      r.skipped > 0
        ? `; ${r.skipped} file${r.skipped > 1 ? 's' : ''} over ${formatSize(maxFileBytes)} skipped`
        : '';
    if (r.total === 0)
      return {
        output: `no matches for ${re} in ${rel}${args.glob ? ` (glob ${args.glob})` : ''}${skipNote}`,
      };
    const capped = r.total > r.shown.length;
    const footer = capped
      ? `\n[showing ${r.shown.length} of ${r.total} matches in ${r.files} files${skipNote}]`
      : skipNote
        ? `\n[${skipNote.slice(2)}]`
        : '';
    return {
      output: r.shown.join('\n') + footer,
      meta: { truncated: capped, matches: r.total, files: r.files },
    };
  },
};

// `bash`: run a command in the sandbox. The observation keeps the head and tail of the
// output (where errors and summaries are); the full text is saved where `read` reaches it.
import { join } from 'node:path';
import { z } from 'zod';
import { type DirHandle, harnessDir } from '../../sandbox/safe-fs.js';
import { type Tool, type ToolContext, ToolError, type ToolResult } from '../tool.js';
import { shownPath } from './paths.js';
import { compactNodeTestOutput } from './test-output.js';
import { cleanTerminal } from './text.js';

export interface BashLimits {
  /** Timeout when the model gives none, in seconds. @default 120 */
  defaultTimeoutSec: number;
  /** Largest timeout the model may ask for, in seconds. @default 600 */
  maxTimeoutSec: number;
  /** Lines kept from the start and from the end of the output. @default 100 */
  headTailLines: number;
  /** Characters kept in all (half head, half tail). @default 8000 */
  maxChars: number;
}
export const BASH_LIMITS: BashLimits = {
  defaultTimeoutSec: 120,
  maxTimeoutSec: 600,
  headTailLines: 100,
  maxChars: 8000,
};

const schema = z.object({
  command: z.string(),
  timeout: z.coerce
    .number()
    .optional()
    .describe(`seconds, default ${BASH_LIMITS.defaultTimeoutSec}`),
});

/** Head + tail of `text` within the line and character caps, or null when it fits whole. */
export function headTail(
  text: string,
  lines: number,
  chars: number,
): { head: string; tail: string; cutLines: number; cutChars: number } | null {
  const all = text.split('\n');
  if (all.length <= 2 * lines && text.length <= chars) return null;
  let head = all.length > 2 * lines ? all.slice(0, lines).join('\n') : text;
  let tail = all.length > 2 * lines ? all.slice(-lines).join('\n') : '';
  const half = Math.floor(chars / 2);
  if (head.length + tail.length > chars) {
    if (tail === '') [head, tail] = [head.slice(0, half), head.slice(-half)];
    else [head, tail] = [head.slice(0, half), tail.slice(-half)];
  }
  const keptLines = head.split('\n').length + tail.split('\n').length;
  return {
    head,
    tail,
    cutLines: Math.max(0, all.length - keptLines),
    cutChars: text.length - head.length - tail.length,
  };
}

/** Saves `text` as the next spill file (never through a link the agent planted: src/sandbox/safe-fs.ts); returns the path to show. */
export async function writeSpill(
  ctx: Pick<ToolContext, 'root' | 'spillDir'>,
  text: string,
): Promise<string> {
  const dir = await harnessDir(ctx.root, ctx.spillDir);
  try {
    const name = await nextSpillName(dir);
    await dir.writeFile(name, text);
    return shownPath(ctx.root, join(ctx.spillDir, name));
  } finally {
    dir.close();
  }
}

/** Next free `<n>.txt` in the spill folder, so earlier outputs stay readable. */
async function nextSpillName(dir: DirHandle): Promise<string> {
  const nums = (await dir.list())
    .map((f) => /^(\d+)\.txt$/.exec(f)?.[1])
    .filter(Boolean)
    .map(Number);
  return `${nums.length ? Math.max(...nums) + 1 : 1}.txt`;
}

export const bashTool: Tool<typeof schema> = {
  name: 'bash',
  description: 'Run a bash command in the repo root.',
  schema,
  async execute(args, ctx) {
    if (args.command.trim() === '') throw new ToolError('command is empty');
    const asked = args.timeout ?? BASH_LIMITS.defaultTimeoutSec;
    if (!(asked > 0))
      throw new ToolError(`timeout must be a positive number of seconds, got ${asked}`);
    const timeoutSec = Math.min(asked, BASH_LIMITS.maxTimeoutSec);
    const dir = await harnessDir(ctx.root, ctx.spillDir);
    try {
      return await runBash(args.command, timeoutSec, dir, ctx);
    } finally {
      dir.close();
    }
  },
};

async function runBash(
  command: string,
  timeoutSec: number,
  dir: DirHandle,
  ctx: ToolContext,
): Promise<ToolResult> {
  {
    const name = await nextSpillName(dir);
    const spillPath = join(ctx.spillDir, name);
    const r = await ctx.sandbox.exec(command, {
      cwd: ctx.root,
      timeoutMs: Math.round(timeoutSec * 1000),
      // Through the held handle, so a folder swapped during the command is not followed.
      spillPath: dir.path(name),
      signal: ctx.signal,
    });
    // Colours and progress-bar redraws cost tokens and carry nothing; the spill file keeps them.
    const clean = cleanTerminal(r.output).replace(/\n$/, '');
    // node:test's TAP is mostly timings and passing tests; the spill file keeps it whole.
    const compact = compactNodeTestOutput(clean);
    const text = compact ?? clean;
    // The sandbox keeps up to its own (larger) cap; the model gets a much smaller head + tail.
    const cut = headTail(text, BASH_LIMITS.headTailLines, BASH_LIMITS.maxChars);
    let body = text === '' ? '(no output)' : text;
    let spilled: string | undefined;
    if (compact !== null && !cut && !r.truncated) {
      await dir.writeFile(name, r.output);
      spilled = shownPath(ctx.root, spillPath);
      body = `${body}\n[test output compacted; full output: ${spilled}]`;
    } else if (cut || r.truncated) {
      // Past its cap the sandbox has written the full text to spillPath; below it, `text` is complete.
      if (!r.truncated) await dir.writeFile(name, r.output);
      if (dir.readFile(name, 0) !== null) spilled = shownPath(ctx.root, spillPath);
      const { head, tail } = cut ?? { head: text, tail: '' };
      const what = r.truncated
        ? `${r.totalBytes} bytes in all`
        : `${cut?.cutLines} lines, ${cut?.cutChars} chars cut`;
      const where = spilled ? `full output: ${spilled}` : 'full output not saved';
      body = `${head}\n[... output cut (${what}); ${where} ...]\n${tail}`;
    }
    const status = r.timedOut
      ? `timed out after ${timeoutSec} s; process killed`
      : r.exitCode === null
        ? `killed by ${r.signal ?? 'a signal'}`
        : `exit code ${r.exitCode}`;
    return {
      output: `${body}\n[${status}]`,
      isError: r.exitCode !== 0,
      meta: {
        exitCode: r.exitCode,
        timedOut: r.timedOut,
        truncated: Boolean(cut) || r.truncated,
        spillPath: spilled,
        durationMs: r.durationMs,
      },
    };
  }
}

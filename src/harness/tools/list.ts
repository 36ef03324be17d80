// `list`: a capped tree of a folder as git sees it (ignored files left out).
import { readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { type Tool, ToolError } from '../tool.js';
import { didYouMean } from './hints.js';
import { resolvePath } from './paths.js';
import { type Entry, HIDDEN_DIRS, IgnoreRules, visibleEntries } from './walk.js';

export interface ListLimits {
  /** Entries shown in all; the rest are counted as "... N more". @default 400 */
  maxEntries: number;
  /** Entries shown per folder. @default 100 */
  maxPerDir: number;
}
export const LIST_LIMITS: ListLimits = { maxEntries: 400, maxPerDir: 100 };

const schema = z.object({
  path: z.string().default('.'),
  depth: z.coerce.number().int().min(1).default(2),
});

interface Walk {
  root: string;
  depth: number;
  budget: number;
  out: string[];
  /** Whether any entry was left out for a cap. */
  cut: boolean;
}

/** Visible entries of a folder below the depth limit, so the model knows whether to look. */
async function countVisible(root: string, rel: string, rules: IgnoreRules | null): Promise<number> {
  const inner = rules && (await rules.enter(root, rel));
  return (await visibleEntries(root, rel, inner).catch(() => [])).length;
}

async function tree(w: Walk, rel: string, rules: IgnoreRules | null, level: number): Promise<void> {
  const pad = '  '.repeat(level - 1);
  let entries: Entry[];
  try {
    entries = await visibleEntries(w.root, rel, rules);
  } catch (e) {
    w.out.push(`${pad}(unreadable: ${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    return;
  }
  for (let i = 0; i < entries.length; i++) {
    if (w.budget <= 0 || i >= LIST_LIMITS.maxPerDir) {
      w.out.push(`${pad}... ${entries.length - i} more`);
      w.cut = true;
      return;
    }
    const e = entries[i];
    w.budget--;
    if (e.kind === 'link') {
      const target = await readlink(join(w.root, e.rel)).catch(() => '?');
      w.out.push(`${pad}${e.name} -> ${target}`);
    } else if (e.kind !== 'dir') {
      w.out.push(`${pad}${e.name}`);
    } else if (HIDDEN_DIRS.has(e.name)) {
      w.out.push(`${pad}${e.name}/ (contents hidden)`);
    } else if (level >= w.depth) {
      const n = await countVisible(w.root, e.rel, rules);
      w.out.push(`${pad}${e.name}/${n > 0 ? ` (${n} entries)` : ''}`);
    } else {
      w.out.push(`${pad}${e.name}/`);
      await tree(w, e.rel, rules && (await rules.enter(w.root, e.rel)), level + 1);
    }
  }
}

export const listTool: Tool<typeof schema> = {
  name: 'list',
  description: 'List a folder as a tree (gitignored files hidden).',
  schema,
  async execute(args, ctx) {
    const { abs, rel } = await resolvePath(ctx.root, args.path, 'read', [], ctx.workdir);
    const st = await stat(abs).catch(() => null);
    if (!st) throw new ToolError(`folder not found: ${rel}${await didYouMean(ctx.root, rel)}`);
    if (!st.isDirectory()) throw new ToolError(`${rel} is a file; use read to see its contents`);
    const rules = await IgnoreRules.at(ctx.root, rel);
    // Asked for by name: an ignored folder is still listed, without filtering its contents.
    const parentRules =
      rel === '.' ? null : await IgnoreRules.at(ctx.root, rel.split('/').slice(0, -1).join('/'));
    const filter = parentRules?.ignored(rel, true) ? null : rules;
    const w: Walk = {
      root: ctx.root,
      depth: Math.min(args.depth, 20),
      budget: LIST_LIMITS.maxEntries,
      out: [],
      cut: false,
    };
    await tree(w, rel, filter, 1);
    if (w.out.length === 0) return { output: `(${rel} is empty)` };
    return { output: w.out.join('\n'), meta: { truncated: w.cut } };
  },
};

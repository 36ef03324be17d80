// File reads and writes through the editor, when it offers them (ACP fs capability): the
// editor's buffer (unsaved changes included) is what the agent reads and edits, and what it
// writes lands in the editor's buffer too. The tools themselves are unchanged — the editor's
// text is put on disk before a file tool runs and the result handed back after — so every
// observation, and the trajectory, is the one any other path would record.

import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Tool } from '../harness/tool.js';
import { resolvePath } from '../harness/tools/index.js';

export interface ClientFs {
  /** The editor's text of an absolute path; undefined when the editor does not have it. */
  read?(abs: string): Promise<string | undefined>;
  write?(abs: string, text: string): Promise<void>;
  /** Told the text a read/edit starts from once the editor's buffer is on disk. */
  onBefore?(abs: string, text: string): void;
}

const READS = new Set(['read', 'edit']);
const WRITES = new Set(['edit', 'write']);

/** The tool set with read/edit/write going through the editor's buffers. */
export function withClientFs(tools: Tool[], fs: ClientFs): Tool[] {
  if (!fs.read && !fs.write) return tools;
  return tools.map((tool) => {
    if (!READS.has(tool.name) && !WRITES.has(tool.name)) return tool;
    return {
      ...tool,
      async execute(args, ctx) {
        const path = (args as { path?: unknown }).path;
        if (typeof path !== 'string') return tool.execute(args, ctx);
        // The tool's own policy decides what is reachable; a refused path never reaches the editor.
        const where = await resolvePath(ctx.root, path, 'write').catch(() => undefined);
        if (!where) return tool.execute(args, ctx);
        if (fs.read && READS.has(tool.name)) {
          const shown = await fs.read(where.abs).catch(() => undefined);
          const onDisk = await readFile(where.abs, 'utf8').catch(() => undefined);
          if (shown !== undefined && shown !== onDisk) writeFileSync(where.abs, shown);
          const start = shown ?? onDisk;
          if (start !== undefined) fs.onBefore?.(where.abs, start);
        }
        const r = await tool.execute(args, ctx);
        if (fs.write && WRITES.has(tool.name) && !r.isError) {
          const now = await readFile(where.abs, 'utf8').catch(() => undefined);
          if (now !== undefined) await fs.write(where.abs, now);
        }
        return r;
      },
    } as Tool;
  });
}

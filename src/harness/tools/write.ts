// `write`: create or overwrite a whole file, creating missing parent folders.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { type Tool, ToolError } from '../tool.js';
import { resolvePath } from './paths.js';

const schema = z.object({
  path: z.string(),
  content: z.string(),
});

const countLines = (s: string) =>
  s === '' ? 0 : s.split('\n').length - (s.endsWith('\n') ? 1 : 0);

export const writeTool: Tool<typeof schema> = {
  name: 'write',
  description: 'Create or overwrite a file.',
  schema,
  async execute(args, ctx) {
    const { abs, rel } = await resolvePath(ctx.root, args.path, 'write', [], ctx.workdir);
    const st = await stat(abs).catch(() => null);
    if (st?.isDirectory()) throw new ToolError(`${rel} is a directory; give a file path`);
    if (st && !st.isFile()) throw new ToolError(`${rel} is not a regular file`);
    try {
      await mkdir(dirname(abs), { recursive: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ToolError(
        code === 'EEXIST' || code === 'ENOTDIR'
          ? `a parent of ${rel} is a file, not a folder`
          : `cannot create the folder for ${rel}: ${code}`,
      );
    }
    await writeFile(abs, args.content);
    const n = countLines(args.content);
    return {
      output: `${st ? 'overwrote' : 'created'} ${rel} (${n} line${n === 1 ? '' : 's'})`,
      meta: { created: !st },
    };
  },
};

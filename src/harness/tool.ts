// What one tool is: its schema (zod, converted to the JSON Schema the model sees), its
// description for the model, and its implementation. One tool per file in ./tools.
import type { z } from 'zod';
import type { Sandbox } from '../sandbox/types.js';

export interface ToolContext {
  /** Real path of the workspace root. File tools resolve every path against it and refuse to leave it. */
  root: string;
  /**
   * The fixed path commands see the workspace at (e.g. /repo): file tools take paths under
   * it as paths of the workspace, so a path copied from command output works. @default root
   */
  workdir?: string;
  sandbox: Sandbox;
  /** Host directory where full outputs of truncated commands are saved; inside `root` or in `readRoots`, so `read` reaches it. */
  spillDir: string;
  /** Host directories outside `root` that `read` may also read (the session's spill dir). */
  readRoots?: string[];
  signal?: AbortSignal;
}

export interface ToolResult {
  /** The observation text the model reads. */
  output: string;
  /** True when the call failed (bad path, no match, non-zero exit ...); the loop goes on either way. */
  isError?: boolean;
  /** Facts for events and trajectories, never shown to the model. */
  meta?: {
    exitCode?: number | null;
    truncated?: boolean;
    timedOut?: boolean;
    [k: string]: unknown;
  };
  /** Set by `finish`: the episode ends after this call. */
  finish?: { summary: string };
}

export interface Tool<S extends z.ZodType = z.ZodType> {
  name: string;
  /** Description for the model: short, every token is paid on every turn. */
  description: string;
  schema: S;
  /** JSON Schema the model sees, when the tool brings its own (MCP); else derived from `schema`. */
  parameters?: Record<string, unknown>;
  execute(args: z.infer<S>, ctx: ToolContext): Promise<ToolResult>;
}

/** Thrown by a tool for an error the model should read and fix (path outside workspace, no match ...). */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}

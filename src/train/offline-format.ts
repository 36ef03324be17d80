// The ablation's format B: the same teacher solutions as the harness trajectories (format A),
// rendered the way offline code training sees them: an issue plus the relevant file
// contents in, a unified diff out (SWE-bench's "oracle retrieval" prompt shape). No tools, no
// turns, no observations: what a model trained on this data has never seen is the loop.
//
// Relevant files = the non-test files the teacher's final diff changes, as the agent found
// them (buggy), with line numbers. The target is that diff restricted to those files. Pure.
// The rows are plain {system, user, assistant} messages: the lead's mid2 renders them with the
// one chat template and no tools (`renderChat(row.messages, [])`), assistant-only loss.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeManifest } from '../gym/manifest.js';
import type { RolloutRecord } from '../gym/rollout.js';
import { agentFiles, type GymTask } from '../gym/workspace.js';
import type { Trajectory } from '../harness/trajectory.js';

export interface OfflineFormatOptions {
  /** Characters of one file shown at most (head kept, a note says what was cut). @default 12000 */
  maxFileChars: number;
  /** Prefix source lines with their numbers (helps a model write hunk headers). @default true */
  lineNumbers: boolean;
  /** @default OFFLINE_SYSTEM_PROMPT */
  systemPrompt: string;
}

export const OFFLINE_SYSTEM_PROMPT =
  'You are a software engineer. Given an issue and the relevant source files of a repository, reply with one patch in unified diff format that resolves the issue.';

export const DEFAULT_OFFLINE_FORMAT: OfflineFormatOptions = {
  maxFileChars: 12_000,
  lineNumbers: true,
  systemPrompt: OFFLINE_SYSTEM_PROMPT,
};

export interface OfflineMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** One training conversation in format B, with what it was made from. */
export interface OfflineRow {
  messages: OfflineMessage[];
  meta: {
    taskId: string;
    repoId: string;
    stage: number;
    files: string[];
    source: 'offline-diff/1';
  };
}

/** Per-file sections of a git-style diff, keyed by the path after the change. */
export function splitDiff(diff: string): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  for (const chunk of diff.split(/^(?=diff --git )/m)) {
    const m = /^diff --git a\/(\S+) b\/(\S+)/.exec(chunk);
    // Blob hashes ("index 14da8bc..2758192 100644") are noise no model can learn: dropped.
    const text = chunk.replace(/^index [0-9a-f]+\.\.[0-9a-f]+.*\n/m, '');
    if (m) out.push({ path: m[2], text: text.endsWith('\n') ? text : `${text}\n` });
  }
  return out;
}

function numbered(text: string, on: boolean): string {
  if (!on) return text;
  return text
    .split('\n')
    .map((l, i, all) => (i === all.length - 1 && l === '' ? '' : `${i + 1} ${l}`))
    .join('\n');
}

/**
 * Format B of one solved episode: null when the trajectory changed no non-test file (nothing
 * to learn a diff from). The diff is the trajectory's own final diff, so A and B train on the
 * very same solution.
 */
export function toOfflineRow(
  gt: GymTask,
  trajectory: Pick<Trajectory, 'diff'>,
  options: Partial<OfflineFormatOptions> = {},
): OfflineRow | null {
  const o = { ...DEFAULT_OFFLINE_FORMAT, ...options };
  const tests = new Set(gt.repo.testFiles);
  const parts = splitDiff(trajectory.diff).filter(
    (p) => !tests.has(p.path) && !p.path.startsWith('.loopsmith/'),
  );
  if (parts.length === 0) return null;
  const start = agentFiles(gt);
  const files = parts.map((p) => p.path);
  const code = files
    .map((path) => {
      const text = start[path];
      if (text === undefined) return `[new file ${path}]`;
      const cut = text.length > o.maxFileChars;
      const shown = cut ? text.slice(0, o.maxFileChars) : text;
      return `[start of ${path}]\n${numbered(shown, o.lineNumbers)}${shown.endsWith('\n') ? '' : '\n'}${cut ? `[... ${text.length - o.maxFileChars} more characters]\n` : ''}[end of ${path}]`;
    })
    .join('\n');
  const user = `<issue>\n${gt.task.statement.trim()}\n</issue>\n\n<code>\n${code}\n</code>\n\nReply with a single patch in unified diff format that resolves the issue.`;
  return {
    messages: [
      { role: 'system', content: o.systemPrompt },
      { role: 'user', content: user },
      { role: 'assistant', content: `<patch>\n${parts.map((p) => p.text).join('')}</patch>` },
    ],
    meta: {
      taskId: gt.task.id,
      repoId: gt.task.repoId,
      stage: gt.task.stage,
      files,
      source: 'offline-diff/1',
    },
  };
}

/** Format B rows of rollout records (resolved ones only: the same rejection sampling as A). */
export function offlineRows(
  records: RolloutRecord[],
  tasks: Map<string, GymTask>,
  options: Partial<OfflineFormatOptions> = {},
): { rows: OfflineRow[]; skipped: { unresolved: number; noTask: number; emptyDiff: number } } {
  const skipped = { unresolved: 0, noTask: 0, emptyDiff: 0 };
  const rows: OfflineRow[] = [];
  for (const r of records) {
    if (!r.grade.resolved) {
      skipped.unresolved++;
      continue;
    }
    const gt = tasks.get(r.taskId);
    if (!gt) {
      skipped.noTask++;
      continue;
    }
    const row = toOfflineRow(gt, r.trajectory, options);
    if (row) rows.push(row);
    else skipped.emptyDiff++;
  }
  return { rows, skipped };
}

/**
 * Writes format B as a rollout run directory: each resolved record of `records` with its
 * trajectory's messages replaced by the format-B conversation (no tools, no turns, so no
 * sampled token ids). mid2 reads it with `--runs` exactly like format A: same tasks, same
 * solutions, one conversation per resolved rollout, only the format differs.
 */
export async function writeOfflineRun(
  records: RolloutRecord[],
  tasks: Map<string, GymTask>,
  outDir: string,
  options: Partial<OfflineFormatOptions> = {},
): Promise<{
  written: number;
  skipped: { unresolved: number; noTask: number; emptyDiff: number };
}> {
  const { skipped } = offlineRows(records, tasks, options);
  const kept = records.filter((r) => r.grade.resolved && tasks.has(r.taskId));
  let written = 0;
  await mkdir(outDir, { recursive: true });
  for (const r of kept) {
    const row = toOfflineRow(tasks.get(r.taskId) as GymTask, r.trajectory, options);
    if (!row) continue;
    const rec: RolloutRecord = {
      ...r,
      trajectory: {
        ...r.trajectory,
        messages: row.messages,
        tools: [],
        turns: [],
        extra: { ...r.trajectory.extra, format: row.meta.source, files: row.meta.files },
      },
    };
    const dir = join(outDir, 'rollouts', r.taskId);
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${r.k}.json`);
    await writeFile(`${path}.tmp`, JSON.stringify(rec));
    await rename(`${path}.tmp`, path);
    written++;
  }
  await writeFile(
    join(outDir, 'manifest.json'),
    JSON.stringify(
      makeManifest('offline-format', 0, {
        format: 'offline-diff/1',
        ...DEFAULT_OFFLINE_FORMAT,
        ...options,
        rows: written,
      }),
      null,
      1,
    ),
  );
  return { written, skipped };
}

// The DAgger expert: a privileged policy that gives the right next action from ANY state an
// episode reaches, including the student's mistakes. It knows the task's clean source files,
// rebuilds the workspace from the buggy files plus every successful edit/write in the
// history, and decides from that state and from what the history shows:
//   tests never run -> run them; a source file differs from its clean version -> read the
//   region first if it was not looked at since it last changed, else edit the first
//   differing hunk back; all fixed but not re-tested -> run the tests; then finish.
// Every argument comes from the state or the history (the test command from package.json).

import { agentFiles, type GymTask } from '../gym/workspace.js';
import type { AssistantMessage, Message, ToolCall } from '../messages.js';
import { estimateUsage } from '../providers/estimate.js';
import type { CompletionRequest, CompletionResponse, Model } from '../providers/model.js';

type Call = [name: string, args: Record<string, unknown>];

/** Line hunks where `a` and `b` differ: [aStart, aEnd) replaced by [bStart, bEnd). */
export function lineHunks(
  a: string[],
  b: string[],
): { a0: number; a1: number; b0: number; b1: number }[] {
  const n = a.length;
  const m = b.length;
  // LCS table on lines (files here are a few hundred lines).
  const L = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      L[i][j] = a[i] === b[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
  const out: { a0: number; a1: number; b0: number; b1: number }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    const a0 = i;
    const b0 = j;
    while ((i < n || j < m) && !(i < n && j < m && a[i] === b[j])) {
      if (j >= m || (i < n && L[i + 1][j] >= L[i][j + 1])) i++;
      else j++;
    }
    out.push({ a0, a1: i, b0, b1: j });
  }
  return out;
}

const occurrences = (hay: string, needle: string) => hay.split(needle).length - 1;

/** An edit turning the first differing hunk of `cur` into `target`, widened until unique. */
export function firstHunkEdit(
  path: string,
  cur: string,
  target: string,
): { edit: Call; line: number } | null {
  const a = cur.split('\n');
  const b = target.split('\n');
  const h = lineHunks(a, b)[0];
  if (!h) return null;
  for (let before = 0, after = 0; ; ) {
    const lo = Math.max(0, h.a0 - before);
    const hi = Math.min(a.length, h.a1 + after);
    const old = a.slice(lo, hi).join('\n');
    if (old.trim() !== '' && occurrences(cur, old) === 1) {
      const neu = [...a.slice(lo, h.a0), ...b.slice(h.b0, h.b1), ...a.slice(h.a1, hi)].join('\n');
      return { edit: ['edit', { path, old_string: old, new_string: neu }], line: h.a0 + 1 };
    }
    if (lo === 0 && hi === a.length) return null;
    if (lo > 0 && (before <= after || hi === a.length)) before++;
    else after++;
  }
}

interface State {
  files: Record<string, string>;
  /** Message index of the last change of each file, and of the last look at it. */
  changedAt: Map<string, number>;
  readAt: Map<string, number>;
  lastTestRun: number;
  lastChange: number;
}

const isTestRun = (cmd: string) =>
  /\b(npm (run )?test|node\b.*--test|npx (vitest|jest|mocha))\b/.test(cmd);

/** Replays the history on the starting files. */
function replay(start: Record<string, string>, messages: readonly Message[]): State {
  const s: State = {
    files: { ...start },
    changedAt: new Map(),
    readAt: new Map(),
    lastTestRun: -1,
    lastChange: -1,
  };
  const results = new Map<string, string>();
  for (const m of messages) if (m.role === 'tool') results.set(m.tool_call_id, m.content);
  messages.forEach((m, i) => {
    if (m.role !== 'assistant') return;
    for (const c of m.tool_calls ?? []) {
      let a: Record<string, unknown>;
      try {
        a = JSON.parse(c.function.arguments);
      } catch {
        continue;
      }
      const obs = results.get(c.id) ?? '';
      const path = typeof a.path === 'string' ? a.path.replace(/^\.\//, '') : '';
      if (c.function.name === 'edit' && /^edited /.test(obs) && path in s.files) {
        const o = String(a.old_string);
        const n = String(a.new_string);
        s.files[path] = a.replace_all
          ? s.files[path].split(o).join(n)
          : s.files[path].replace(o, () => n);
        s.changedAt.set(path, i);
        s.lastChange = i;
      } else if (c.function.name === 'write' && /^(created|wrote|overwrote)/.test(obs)) {
        s.files[path] = String(a.content);
        s.changedAt.set(path, i);
        s.lastChange = i;
      } else if (c.function.name === 'read' && path) s.readAt.set(path, i);
      else if (c.function.name === 'bash' && isTestRun(String(a.command))) s.lastTestRun = i;
    }
  });
  return s;
}

/** The expert's next action for the conversation so far. */
export function expertAction(
  gt: GymTask,
  messages: readonly Message[],
): { content: string | null; call: Call } {
  const start = agentFiles(gt);
  const s = replay(start, messages);
  const testFiles = new Set(gt.repo.testFiles);
  if (s.lastTestRun < 0) return { content: null, call: ['bash', { command: 'npm test' }] };
  const broken = Object.keys(gt.repo.files)
    .filter((p) => !testFiles.has(p) && p !== 'package.json' && s.files[p] !== undefined)
    .filter((p) => s.files[p] !== gt.repo.files[p])
    .sort();
  for (const path of broken) {
    const e = firstHunkEdit(path, s.files[path], gt.repo.files[path]);
    if (!e) continue;
    if ((s.readAt.get(path) ?? -1) <= (s.changedAt.get(path) ?? -1))
      return {
        content: null,
        call: ['read', { path, offset: Math.max(1, e.line - 6), limit: 20 }],
      };
    return { content: null, call: e.edit };
  }
  if (s.lastTestRun < s.lastChange)
    return { content: null, call: ['bash', { command: 'npm test' }] };
  const changed = Object.keys(gt.repo.files).filter(
    (p) => start[p] !== undefined && start[p] !== gt.repo.files[p],
  );
  return {
    content: null,
    call: ['finish', { summary: `Fixed ${changed.join(', ')}; the tests pass.` }],
  };
}

/** The expert as a Model (for expert-led DAgger turns). */
export function createExpertModel(gt: GymTask): Model {
  return {
    id: 'expert',
    async complete(req: CompletionRequest): Promise<CompletionResponse> {
      const message = expertMessage(
        gt,
        req.messages,
        req.messages.filter((m) => m.role === 'assistant').length,
      );
      return {
        message,
        usage: estimateUsage(req.messages, req.tools, message),
        finishReason: 'tool_calls',
      };
    },
  };
}

/** The expert's action as an assistant message with call id `call_<turn>`. */
export function expertMessage(
  gt: GymTask,
  messages: readonly Message[],
  turn: number,
): AssistantMessage {
  const { content, call } = expertAction(gt, messages);
  const tc: ToolCall = {
    id: `call_${turn}`,
    type: 'function',
    function: { name: call[0], arguments: JSON.stringify(call[1]) },
  };
  return { role: 'assistant', content, tool_calls: [tc] };
}

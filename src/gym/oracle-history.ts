// What an agent has seen so far, read back from the message list exactly as the model gets
// it: the tool calls with their observations, the paths and lines shown, the test command
// in package.json. The oracle decides from this (plus its privileged task), and the
// justification check (oracle-check.ts) holds every call against it, so both agree on
// what "seen" means.
import type { Message } from '../messages.js';

/** One tool call and the observation it got (undefined while it has none yet). */
export interface SeenCall {
  name: string;
  args: Record<string, unknown>;
  output?: string;
  /** Index of the assistant message holding the call. */
  turn: number;
}

export interface History {
  calls: SeenCall[];
  /** Every observation's text in order (the first user message, tool outputs, harness notes). */
  observations: string[];
  /** Assistant turns so far. */
  turns: number;
}

/** Reads the calls and observations of a message list (the system prompt is not an observation). */
export function readHistory(messages: readonly Message[]): History {
  const calls: SeenCall[] = [];
  const byId = new Map<string, SeenCall>();
  const observations: string[] = [];
  let turns = 0;
  for (const m of messages) {
    if (m.role === 'assistant') {
      turns++;
      for (const c of m.tool_calls ?? []) {
        let args: Record<string, unknown> = {};
        try {
          const parsed = JSON.parse(c.function.arguments || '{}');
          if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) args = parsed;
        } catch {
          // A malformed call of a student: nothing it names counts as seen.
        }
        const sc: SeenCall = { name: c.function.name, args, turn: turns };
        calls.push(sc);
        byId.set(c.id, sc);
      }
    } else if (m.role === 'tool') {
      const text = typeof m.content === 'string' ? m.content : '';
      observations.push(text);
      const sc = byId.get(m.tool_call_id);
      if (sc) sc.output = text;
    } else if (m.role === 'user') {
      observations.push(typeof m.content === 'string' ? m.content : '');
    }
  }
  return { calls, observations, turns };
}

const NUMBERED = /^\s*\d+\t/;

/** Every line an observation showed, trimmed, line numbers of `read`/`edit` views removed. */
export function seenLines(h: History): Set<string> {
  const out = new Set<string>();
  for (const o of h.observations)
    for (const line of o.split('\n')) out.add(line.replace(NUMBERED, '').trim());
  return out;
}

/**
 * Paths an observation named: literal `dir/file.ext` tokens (search hits, test locations,
 * statements), trees of `list` (and the overview in the first message) rebuilt into
 * paths, and locations under the sandbox's workdir (e.g. /repo/test/x.test.ts).
 */
export function seenPaths(h: History, workdir = '/repo'): Set<string> {
  const out = new Set<string>();
  const add = (p: string) => {
    const q = p.startsWith(`${workdir}/`) ? p.slice(workdir.length + 1) : p;
    out.add(q.replace(/^\.\//, ''));
  };
  for (const o of h.observations) {
    for (const m of o.matchAll(
      /(?:^|[\s'"`(:=]|file:\/\/)((?:\/|\.\/)?[\w.@-]+(?:\/[\w.@-]+)*\.\w+)/gm,
    ))
      add(m[1]);
  }
  // Trees: the overview after "Repository files:" and each list output.
  const first = h.observations[0] ?? '';
  const at = first.indexOf('Repository files:\n');
  if (at >= 0) for (const p of treePaths(first.slice(at + 18), '')) out.add(p);
  for (const c of h.calls)
    if (c.name === 'list' && c.output) {
      const base = typeof c.args.path === 'string' ? c.args.path.replace(/^\.\/?|\/$/g, '') : '';
      for (const p of treePaths(c.output, base === '.' ? '' : base)) out.add(p);
    }
  return out;
}

/** Paths (files and folders) of a `list` tree, prefixed with the folder listed. */
export function treePaths(tree: string, base: string): string[] {
  const stack: string[] = [];
  const out: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^( *)([^ ].*?)(\/)?(?: \(\d+ entries\)| \(contents hidden\))?$/.exec(line);
    if (!m || m[2].startsWith('...') || m[2].startsWith('(')) continue;
    const depth = m[1].length / 2;
    if (!Number.isInteger(depth)) continue;
    stack.length = depth;
    const name = m[2].replace(/ -> .*$/, '');
    const path = [base, ...stack, name].filter(Boolean).join('/');
    out.push(path);
    if (m[3]) stack.push(name);
  }
  return out;
}

/** The `test` script of package.json when an observation showed the file (a `read` of it). */
export function seenTestScript(h: History): string | undefined {
  for (const c of h.calls) {
    if (
      c.name !== 'read' ||
      !c.output ||
      !/^(\.\/|\/repo\/)?package\.json$/.test(String(c.args.path))
    )
      continue;
    const text = c.output
      .split('\n')
      .filter((l) => NUMBERED.test(l))
      .map((l) => l.replace(NUMBERED, ''))
      .join('\n');
    try {
      const script = JSON.parse(text)?.scripts?.test;
      if (typeof script === 'string') return script;
    } catch {
      // A partial read: no script known yet.
    }
  }
  return undefined;
}

/** Whether a bash observation reports success. */
export const passed = (output: string | undefined) => /\[exit code 0\]$/.test(output ?? '');
/** Whether an edit observation reports an applied edit. */
export const applied = (output: string | undefined) => /^edited /.test(output ?? '');

/** The test script's command as `npm test` echoed it (`> cmd` after `> name@version test`). */
export function npmEcho(h: History): string | undefined {
  for (const c of h.calls) {
    if (c.name !== 'bash' || !/^npm (run )?test\b/.test(String(c.args.command))) continue;
    const m = /^> [^\n]*@[^\n]* test\n> ([^\n]+)$/m.exec(c.output ?? '');
    if (m) return m[1].trim();
  }
  return undefined;
}

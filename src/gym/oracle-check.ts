// The "learnable teacher" rule as a check over a trajectory: every argument of every tool
// call must follow from what the agent had seen before it (the task statement, the
// repository overview, earlier observations). A student can only learn what it can copy or
// infer; a call naming a path, a line or a command it never saw teaches it to recite.
import type { Message } from '../messages.js';
import {
  type History,
  npmEcho,
  readHistory,
  seenLines,
  seenPaths,
  seenTestScript,
} from './oracle-history.js';

export interface Violation {
  /** Index of the assistant message in the trajectory. */
  message: number;
  tool: string;
  why: string;
}

/** Words that are regex syntax or definition keywords, not names the agent must have seen. */
const PATTERN_KEYWORDS = new Set(['class', 'function', 'const', 'let', 'var', 'export', 'async']);

const norm = (p: string, workdir: string) =>
  p.startsWith(`${workdir}/`) ? p.slice(workdir.length + 1) : p.replace(/^\.\//, '');

/** Every call of the trajectory whose arguments the agent could not have known. */
export function checkJustified(messages: readonly Message[], workdir = '/repo'): Violation[] {
  const out: Violation[] = [];
  const results = new Map<string, string>();
  for (const m of messages) if (m.role === 'tool') results.set(m.tool_call_id, String(m.content));
  messages.forEach((m, i) => {
    if (m.role !== 'assistant') return;
    const h = readHistory(messages.slice(0, i));
    for (const call of m.tool_calls ?? []) {
      let args: Record<string, unknown>;
      try {
        args = JSON.parse(call.function.arguments || '{}');
      } catch {
        out.push({ message: i, tool: call.function.name, why: 'arguments are not JSON' });
        continue;
      }
      const why = checkCall(call.function.name, args, h, results.get(call.id), workdir);
      if (why) out.push({ message: i, tool: call.function.name, why });
    }
  });
  return out;
}

function checkCall(
  name: string,
  args: Record<string, unknown>,
  h: History,
  result: string | undefined,
  workdir: string,
): string | undefined {
  const paths = seenPaths(h, workdir);
  if (typeof args.path === 'string' && args.path !== '.' && !paths.has(norm(args.path, workdir)))
    return `path ${args.path} was not in any earlier observation`;
  if (name === 'bash') return checkCommand(String(args.command ?? ''), h, paths);
  if (name === 'read' && args.offset !== undefined && args.offset !== 1) {
    const p = norm(String(args.path), workdir);
    const known = h.observations.some(
      (o) => o.includes(`${p}:${args.offset}:`) || o.includes(`offset=${args.offset} `),
    );
    if (!known) return `read offset ${args.offset} of ${p} is no line an observation pointed at`;
  }
  if (name === 'search') {
    const pattern = String(args.pattern ?? '').replace(/\\[a-zA-Z]/g, ' ');
    for (const w of pattern.match(/[A-Za-z_$][\w$]{2,}/g) ?? []) {
      if (PATTERN_KEYWORDS.has(w)) continue;
      const re = new RegExp(`(^|[^\\w$])${w.replace(/\$/g, '\\$')}([^\\w$]|$)`);
      if (!h.observations.some((o) => re.test(o)))
        return `searched for ${w}, which no observation named`;
    }
  }
  if (name === 'edit' && /^edited /.test(result ?? '')) {
    // An edit that did not apply is a visible mistake (and its error shows the real text);
    // one that applied must have copied its old text from something the agent saw.
    const lines = seenLines(h);
    const missing = String(args.old_string ?? '')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !lines.has(l));
    if (missing.length) return `old_string line ${JSON.stringify(missing[0])} was never shown`;
  }
  return undefined;
}

// A test run must be plain (nothing hiding its failures) and made of what the agent saw:
// `npm test`, or the package.json script's own words with test files it saw.
function checkCommand(cmd: string, h: History, paths: Set<string>): string | undefined {
  if (/[|;&<>`$]/.test(cmd)) return `command ${JSON.stringify(cmd)} is not a plain command`;
  if (/^npm (run )?test$/.test(cmd.trim())) return undefined;
  const script = seenTestScript(h) ?? npmEcho(h);
  if (!script) return `command ${JSON.stringify(cmd)} before any test script was seen`;
  const known = new Set(script.trim().split(/\s+/));
  for (const w of cmd.trim().split(/\s+/)) {
    if (!known.has(w))
      return `command word ${w} is not in the test script ${JSON.stringify(script)}`;
    if (/\.(test|spec)\.[cm]?[jt]s$/.test(w) && !paths.has(w))
      return `test file ${w} was not in any earlier observation`;
  }
  return undefined;
}

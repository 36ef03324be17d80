// The privileged oracle: a Model that knows the task's gold patch and plays what a good,
// lean agent does in the harness — run the tests, locate (search / read), edit, re-run,
// finish — through the real tools and sandbox. A seed varies it: extra exploration, tool
// order, a wrong first edit followed by recovery. Its replies depend only on how many turns
// came before, so a replayed history gets the same next step.
import type { AssistantMessage, ToolCall } from '../messages.js';
import { estimateUsage } from '../providers/estimate.js';
import {
  type CompletionRequest,
  type CompletionResponse,
  type Model,
  ModelError,
} from '../providers/model.js';
import { Rng } from '../tasks/rng.js';
import { type EditCall, editsForFile } from './oracle-edits.js';
import { parsePatch } from './patch.js';
import { agentFiles, type GymTask } from './workspace.js';

export interface OracleOptions {
  /** Varies exploration, tool order and mistakes; the same seed plays the same trajectory. @default 0 */
  seed: number;
  /** Chance of a wrong first edit (then a test run, then the fix). @default 0.2 */
  mistakeRate: number;
  /** Chance of an extra look around (list or README) before work. @default 0.3 */
  exploreRate: number;
}

export const DEFAULT_ORACLE_OPTIONS: OracleOptions = {
  seed: 0,
  mistakeRate: 0.2,
  exploreRate: 0.3,
};

type Step = { content: string | null; calls: [name: string, args: Record<string, unknown>][] };

/** The command the agent can run: the task's test command without test files hidden from it. */
export function visibleTestCmd(gt: GymTask): string {
  const hidden = new Set(gt.repo.testFiles.filter((f) => !gt.task.visibleTests.includes(f)));
  const kept = gt.task.testCmd.split(/\s+/).filter((w) => !hidden.has(w));
  return kept.join(' ');
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Name of the function, method or class around a line (what a person would search for).
function enclosingSymbol(lines: string[], line: number): string | undefined {
  for (let i = Math.min(line, lines.length - 1); i >= 0; i--) {
    const m =
      /^\s*(?:export\s+)?(?:async\s+)?(?:function\s*\*?\s*([A-Za-z_$][\w$]*)|class\s+([A-Za-z_$][\w$]*)|(?:static\s+)?(?!if\b|for\b|while\b|switch\b|catch\b|return\b)([A-Za-z_$][\w$]*)\s*\([^)]*\)\s*(?::\s*[^{]+)?\{)/.exec(
        lines[i],
      );
    const name = m?.[1] ?? m?.[2] ?? m?.[3];
    if (name && name !== 'constructor') return name;
    if (
      /^\s*(?:export\s+)?(?:const|let)\s+([A-Za-z_$][\w$]*)\s*=/.test(lines[i]) &&
      /^\S/.test(lines[i])
    )
      return /(?:const|let)\s+([A-Za-z_$][\w$]*)/.exec(lines[i])?.[1];
  }
  return undefined;
}

// A plausible wrong variant of a changed line: a different operator or constant than the fix.
function wrongVariant(line: string, right: string): string | undefined {
  const swaps: [RegExp, string][] = [
    [/ < /, ' > '],
    [/ <= /, ' >= '],
    [/ > /, ' < '],
    [/ >= /, ' <= '],
    [/ \+ /, ' * '],
    [/ - /, ' / '],
    [/\b(\d+)\b/, '$1 + 1'],
    [/ === /, ' == '],
  ];
  for (const [re, rep] of swaps) {
    if (!re.test(line)) continue;
    const w = line.replace(re, rep);
    if (w !== line && w !== right) return w;
  }
  return undefined;
}

// One line per edit: the changed line itself when the change is one line.
function editSummary(edits: EditCall[]): string {
  return edits
    .map((e) => {
      const a = e.old_string.split('\n');
      const b = e.new_string.split('\n');
      const i = a.findIndex((l, k) => l !== b[k]);
      return a.length === 1 && b.length === 1
        ? `${e.path}:${e.line}: \`${a[0].trim()}\` -> \`${b[0].trim()}\`.`
        : `${e.path}: rewrote the lines near ${e.line + Math.max(0, i)}.`;
    })
    .join(' ');
}

/** Builds the whole plan of an oracle episode for a task. */
export function oraclePlan(gt: GymTask, options: Partial<OracleOptions> = {}): Step[] {
  const o = { ...DEFAULT_ORACLE_OPTIONS, ...options };
  const rng = new Rng(o.seed * 7919 + 17);
  const files = agentFiles(gt);
  const testCmd = visibleTestCmd(gt);
  const steps: Step[] = [];
  // What a lean agent pipes test output through: failures with a little context first, then
  // only the totals once it believes the fix is in.
  const nodeTest = /\bnode\b.*--test\b/.test(testCmd);
  const failuresCmd = nodeTest
    ? `${testCmd} 2>&1 | grep -E -A${rng.pick([8, 12])} '^\\s*not ok' | head -n 60`
    : `${testCmd} 2>&1 | tail -n 40`;
  const totalsCmd = nodeTest
    ? `${testCmd} 2>&1 | grep -E '^# (tests|pass|fail)'`
    : `${testCmd} 2>&1 | tail -n 15`;
  const runTests: Step = {
    content: rng.pick([
      'Let me run the tests first.',
      'Running the test suite to see what fails.',
      null,
    ]),
    calls: [['bash', { command: failuresCmd }]],
  };
  const explore: Step = rng.chance(0.5)
    ? { content: null, calls: [['list', { path: '.', depth: 2 }]] }
    : { content: null, calls: [['read', { path: 'package.json' }]] };
  if (rng.chance(o.exploreRate)) {
    if (rng.chance(0.5)) steps.push(explore, runTests);
    else steps.push(runTests, explore);
  } else steps.push(runTests);

  const patches = parsePatch(gt.task.goldPatch);
  const allEdits: EditCall[] = [];
  for (const fp of patches) {
    const path = fp.oldPath ?? fp.newPath;
    if (!path || files[path] === undefined)
      throw new Error(`oracle: gold patch changes ${path}, which the workspace does not have`);
    const { edits } = editsForFile(files[path], fp);
    const lines = files[path].split('\n');
    const symbol = enclosingSymbol(lines, edits[0].line - 1);
    const where = edits[0].line;
    const read: Step = {
      content: null,
      calls: [['read', { path, offset: Math.max(1, where - 12), limit: 30 }]],
    };
    if (symbol && rng.chance(0.85)) {
      const pattern = rng.chance(0.5)
        ? `${escapeRe(symbol)}\\(`
        : `(function|class|const) ${escapeRe(symbol)}\\b|^\\s+${escapeRe(symbol)}\\(`;
      const search: Step = {
        content: rng.pick([`The failure points at ${symbol}; let me find it.`, null]),
        calls: [['search', { pattern, ...(rng.chance(0.5) ? { glob: '*.{js,ts}' } : {}) }]],
      };
      steps.push(search, read);
    } else {
      steps.push(read);
    }
    allEdits.push(...edits);
  }

  // A wrong first edit: change the line differently, see the tests still fail, then fix it.
  const first = allEdits[0];
  const wrong =
    first && rng.chance(o.mistakeRate) && first.old_string.split('\n').length === 1
      ? wrongVariant(first.old_string, first.new_string)
      : undefined;
  if (
    first &&
    wrong &&
    files[first.path].split(first.old_string).length === 2 &&
    !files[first.path].includes(wrong)
  ) {
    steps.push({
      content: 'This comparison looks off; trying a change.',
      calls: [['edit', { path: first.path, old_string: first.old_string, new_string: wrong }]],
    });
    steps.push({ content: null, calls: [['bash', { command: totalsCmd }]] });
    steps.push({
      content: 'Still failing: that was the wrong change. Fixing it properly.',
      calls: [['edit', { path: first.path, old_string: wrong, new_string: first.new_string }]],
    });
    allEdits.shift();
  }
  // Edits of one file go in one turn or one per turn, by seed.
  const together = rng.chance(0.5);
  for (let i = 0; i < allEdits.length; ) {
    // Together: the run of consecutive edits to the same file as edit i.
    let end = i + 1;
    while (together && end < allEdits.length && allEdits[end].path === allEdits[i].path) end++;
    const batch = allEdits.slice(i, end);
    steps.push({
      content: i === 0 ? rng.pick(['Found the bug; fixing it.', 'Applying the fix.', null]) : null,
      calls: batch.map((e) => [
        'edit',
        { path: e.path, old_string: e.old_string, new_string: e.new_string },
      ]),
    });
    i += batch.length;
  }
  steps.push({ content: null, calls: [['bash', { command: totalsCmd }]] });
  steps.push({
    content: null,
    calls: [
      [
        'finish',
        {
          summary: `${editSummary(first ? [first, ...allEdits.filter((e) => e !== first)] : allEdits)} Tests pass.`,
        },
      ],
    ],
  });
  return steps;
}

/** An oracle Model for one task. */
export function createOracleModel(gt: GymTask, options: Partial<OracleOptions> = {}): Model {
  const steps = oraclePlan(gt, options);
  const id = `oracle:seed=${options.seed ?? DEFAULT_ORACLE_OPTIONS.seed}`;
  return {
    id,
    async complete(req: CompletionRequest): Promise<CompletionResponse> {
      const turn = req.messages.filter((m) => m.role === 'assistant').length;
      const step = steps[turn];
      if (!step)
        throw new ModelError(
          `oracle: no step ${turn + 1} (plan has ${steps.length}); the episode should have finished`,
        );
      const known = new Set(req.tools.map((t) => t.function.name));
      const tool_calls: ToolCall[] = step.calls.map(([name, args], k) => {
        if (!known.has(name)) throw new ModelError(`oracle: the harness offers no "${name}" tool`);
        return {
          id: `call_${turn + 1}_${k + 1}`,
          type: 'function',
          function: { name, arguments: JSON.stringify(args) },
        };
      });
      const message: AssistantMessage = { role: 'assistant', content: step.content, tool_calls };
      return {
        message,
        usage: estimateUsage(req.messages, req.tools, message),
        finishReason: 'tool_calls',
      };
    },
  };
}

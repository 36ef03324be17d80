// The privileged oracle: a Model that knows the task's gold patch and plays what a careful,
// lean agent does in the harness, through the real tools and sandbox. It DECIDES with its
// privileged knowledge (which file, which change), but every argument it WRITES comes from
// what the agent has already seen: the test command from package.json (or `npm test`), test
// files from the overview, a symbol named in the test output before searching for it, paths
// from search hits, old_string lines from read views. Commands are plain (no pipes hiding
// failures). A seed varies it and adds visible mistakes with their recoveries: an edit whose
// old_string does not match, a wrong fix caught by a failing run, a search that finds
// nothing, `npm test` tripping over a test file that is not there.
//
// Each reply is a pure function of the task, the seed and the message history (the edits
// applied so far are replayed onto the task's files), so a replayed history gets the same
// next step, and a history some other model produced (DAgger) gets the oracle's next step
// from that state. oracle-check.ts verifies the "seen before" rule on real rollouts.
import type { AssistantMessage, ToolCall } from '../messages.js';
import { estimateUsage } from '../providers/estimate.js';
import {
  type CompletionRequest,
  type CompletionResponse,
  type Model,
  ModelError,
} from '../providers/model.js';
import { Rng } from '../tasks/rng.js';
import { repoDiff } from '../tasks/run/diff.js';
import { type EditCall, editsForFile } from './oracle-edits.js';
import {
  type History,
  npmEcho,
  passed,
  readHistory,
  seenLines,
  seenPaths,
  seenTestScript,
} from './oracle-history.js';
import {
  definitionPattern,
  mentioned,
  readWindow,
  simulateSearch,
  summarize,
  symbolsAround,
  wrongKindPattern,
  wrongVariant,
} from './oracle-locate.js';
import { applyPatch, parsePatch } from './patch.js';
import { agentFiles, type GymTask } from './workspace.js';

export interface OracleOptions {
  /** Varies wording, order and mistakes; the same seed plays the same trajectory. @default 0 */
  seed: number;
  /** Chance of a wrong first fix, then a failing test run, then the right fix. @default 0.2 */
  mistakeRate: number;
  /** Chance of a first edit with a misremembered old_string (not found), then the exact text. @default 0.15 */
  staleEditRate: number;
  /** Chance of a first search that finds nothing (the wrong kind of definition). @default 0.15 */
  searchMissRate: number;
  /** Chance of `npm test` as the first test run instead of the script's own command. @default 0.15 */
  npmRate: number;
  /** Chance the first run takes only the test files the statement names as failing. @default 0.5 */
  targetedRate: number;
}

export const DEFAULT_ORACLE_OPTIONS: OracleOptions = {
  seed: 0,
  mistakeRate: 0.2,
  staleEditRate: 0.15,
  searchMissRate: 0.15,
  npmRate: 0.15,
  targetedRate: 0.5,
};

/** One assistant turn: optional text and its tool calls. */
export interface Step {
  content: string | null;
  calls: [name: string, args: Record<string, unknown>][];
}

/** What the oracle knows and decided once per episode (from the task and the seed only). */
interface Plan {
  gt: GymTask;
  start: Record<string, string>;
  /** Files the gold patch changes, as they must end up. */
  target: Record<string, string>;
  testFiles: Set<string>;
  o: OracleOptions;
  npm: boolean;
  targeted: boolean;
  stale: boolean;
  reread: boolean;
  searchMiss: boolean;
  together: boolean;
  wrong?: { path: string; old_string: string; new_string: string };
}

function makePlan(gt: GymTask, options: Partial<OracleOptions>): Plan {
  const o = { ...DEFAULT_ORACLE_OPTIONS, ...options };
  const rng = new Rng(o.seed * 7919 + 17);
  const start = agentFiles(gt);
  const gold = applyPatch(start, gt.task.goldPatch);
  const target: Record<string, string> = {};
  for (const fp of parsePatch(gt.task.goldPatch)) {
    const path = fp.newPath ?? fp.oldPath;
    if (!path || start[path] === undefined)
      throw new Error(`oracle: gold patch changes ${path}, which the workspace does not have`);
    target[path] = gold[path];
  }
  const plan: Plan = {
    gt,
    start,
    target,
    testFiles: new Set(gt.repo.testFiles),
    o,
    npm: rng.chance(o.npmRate),
    targeted: rng.chance(o.targetedRate),
    stale: rng.chance(o.staleEditRate),
    reread: rng.chance(0.5),
    searchMiss: rng.chance(o.searchMissRate),
    together: rng.chance(0.5),
  };
  const first = remainingEdits(plan, start)[0];
  if (first && rng.chance(o.mistakeRate) && !first.old_string.includes('\n')) {
    const w = wrongVariant(first.old_string, first.new_string);
    if (w && !start[first.path].includes(w))
      plan.wrong = { path: first.path, old_string: first.old_string, new_string: w };
  }
  return plan;
}

/** The edits still needed to turn `files` into the target, file by file (gold patch order). */
function remainingEdits(p: Plan, files: Record<string, string>): EditCall[] {
  const out: EditCall[] = [];
  for (const path of Object.keys(p.target)) {
    if (files[path] === p.target[path]) continue;
    const [fp] = parsePatch(repoDiff({ [path]: files[path] }, { [path]: p.target[path] }));
    if (fp) out.push(...editsForFile(files[path], fp).edits);
  }
  return out;
}

/** The workspace files after the edits the history shows applied (exact text replaced). */
function replay(p: Plan, h: History): Record<string, string> {
  const files = { ...p.start };
  for (const c of h.calls) {
    const path = typeof c.args.path === 'string' ? c.args.path.replace(/^(\.\/|\/repo\/)/, '') : '';
    if (c.name === 'edit' && /^edited /.test(c.output ?? '') && files[path] !== undefined) {
      const { old_string: a, new_string: b, replace_all: all } = c.args as Record<string, string>;
      if (typeof a === 'string' && typeof b === 'string')
        files[path] = all ? files[path].split(a).join(b) : files[path].replace(a, () => b);
    } else if (
      c.name === 'write' &&
      /^wrote /.test(c.output ?? '') &&
      typeof c.args.content === 'string'
    )
      files[path] = c.args.content;
  }
  return files;
}

const words = (cmd: string) => cmd.trim().split(/\s+/);

/** The test script's command with only the given test files (the others dropped). */
function withFiles(script: string, p: Plan, keep: (f: string) => boolean): string {
  return words(script)
    .filter((w) => !p.testFiles.has(w) || keep(w))
    .join(' ');
}

/** Decides the next step from the history. */
export function nextStep(p: Plan, h: History): Step {
  const rng = new Rng(p.o.seed * 104729 + h.turns * 31 + 7);
  const say = (...xs: (string | null)[]) => rng.pick(xs);
  const files = replay(p, h);
  const seen = seenLines(h);
  const paths = seenPaths(h);
  const bash = (command: string, content: string | null = null): Step => ({
    content,
    calls: [['bash', { command }]],
  });
  const script = seenTestScript(h) ?? npmEcho(h);
  const ran = h.calls.filter((c) => c.name === 'bash');
  const lastChange = h.calls.findLastIndex(
    (c) => (c.name === 'edit' || c.name === 'write') && /^(edited|wrote) /.test(c.output ?? ''),
  );
  const lastRun = h.calls.findLastIndex((c) => c.name === 'bash');

  // 1. The test command: from package.json, or by running `npm test`.
  if (!script) {
    if (p.npm && ran.length === 0) return bash('npm test', say('Running the tests first.', null));
    return {
      content: say('Let me see how the tests run.', null),
      calls: [['read', { path: 'package.json' }]],
    };
  }
  // Test files of the script that exist (the overview shows them; hidden ones are absent).
  const present = (f: string) => p.start[f] !== undefined && paths.has(f);
  // A script that starts a dependency's binary (mocha, jest, ...) runs as `npm test`: npm
  // puts node_modules/.bin on PATH, a plain shell does not.
  const viaNpm = !/^node\s/.test(script.trim());
  const full = viaNpm ? 'npm test' : withFiles(script, p, present);
  const failing = [...p.testFiles].filter(
    (f) => present(f) && p.gt.task.statement.includes(`${f} >`),
  );
  if (ran.length === 0) {
    const cmd =
      p.targeted && failing.length && !viaNpm
        ? withFiles(script, p, (f) => failing.includes(f))
        : full;
    return bash(
      cmd,
      say('Running the tests to see what fails.', 'Let me run the tests first.', null),
    );
  }
  // `npm test` named a test file that is not there: run the ones that are.
  if (ran.length === 1 && /Could not find '/.test(ran[0].output ?? '') && !passed(ran[0].output))
    return bash(full, say('One listed test file does not exist; running the ones that do.'));

  const todo = remainingEdits(p, files);
  if (todo.length === 0) {
    if (
      lastRun > lastChange &&
      passed(h.calls[lastRun].output) &&
      h.calls[lastRun].args.command === full
    )
      return {
        content: null,
        calls: [['finish', { summary: summarize(p.start, files, Object.keys(p.target)) }]],
      };
    return bash(full, say('Re-running the tests.', null));
  }
  // After the wrong first fix: run the tests (they still fail), then fix it properly.
  const appliedEdits = h.calls.filter((c) => c.name === 'edit' && /^edited /.test(c.output ?? ''));
  if (
    p.wrong &&
    appliedEdits.length === 1 &&
    appliedEdits[0].args.new_string === p.wrong.new_string &&
    lastRun < lastChange
  )
    return bash(full);

  const first = todo[0];
  const path = first.path;
  // 2. Find the code: search for the definition of a symbol around the change that an
  // observation has named (a suite, a test name, the statement), so that the file and the
  // line to read from come from a search hit; else list the folders down to the file.
  const esc = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const hitIn = (c: (typeof h.calls)[number]) =>
    c.name === 'search' && new RegExp(`^${esc}:\\d+:`, 'm').test(c.output ?? '');
  if (!h.calls.some(hitIn)) {
    const lines = files[path].split('\n');
    const named = symbolsAround(lines, first.line - 1).filter((s) =>
      mentioned(s.name, h.observations),
    );
    const searched = h.calls.filter((c) => c.name === 'search');
    for (const s of named) {
      const pattern = definitionPattern(s);
      if (!simulateSearch(files, pattern).some((x) => x.path === path)) continue;
      if (searched.some((c) => c.args.pattern === pattern)) continue;
      if (p.searchMiss && searched.length === 0) {
        const miss = wrongKindPattern(s);
        if (simulateSearch(files, miss).length === 0)
          return {
            content: say(`Looking for ${s.name}.`, null),
            calls: [['search', { pattern: miss }]],
          };
      }
      return {
        content: say(
          `The failures point at ${s.name}; let me find it.`,
          `Looking for ${s.name}.`,
          null,
        ),
        calls: [['search', { pattern }]],
      };
    }
    if (!paths.has(path)) {
      const parts = path.split('/');
      for (let k = 1; k < parts.length; k++) {
        const dir = parts.slice(0, k).join('/');
        const child = parts.slice(0, k + 1).join('/');
        if (paths.has(dir) && !paths.has(child))
          return { content: null, calls: [['list', { path: dir }]] };
      }
      return { content: null, calls: [['list', { path: '.', depth: 4 }]] };
    }
  }
  // 3. See the lines to change.
  const unseen = (e: EditCall) =>
    e.old_string.split('\n').some((l) => l.trim() && !seen.has(l.trim()));
  const lastCall = h.calls[h.calls.length - 1];
  const failedEdit = lastCall?.name === 'edit' && !/^edited /.test(lastCall.output ?? '');
  if (
    unseen(first) ||
    (failedEdit &&
      p.reread &&
      !h.calls.some(
        (c, i) =>
          i > 0 &&
          c.name === 'read' &&
          h.calls[i - 1].name === 'edit' &&
          !/^edited /.test(h.calls[i - 1].output ?? ''),
      ))
  ) {
    const read = readWindow(files[path], first, h, path);
    const same = h.calls.some(
      (c) => c.name === 'read' && JSON.stringify(c.args) === JSON.stringify(read),
    );
    if (!same)
      return {
        content: failedEdit ? say('Re-reading the exact text.', null) : null,
        calls: [['read', read]],
      };
  }
  // 4. Edit: first the seeded mistakes, then the real change.
  const attempted = h.calls.some((c) => c.name === 'edit');
  if (p.stale && !attempted && !first.old_string.includes('\n')) {
    const misremembered = wrongVariant(first.old_string, first.new_string);
    if (misremembered && !files[path].includes(misremembered))
      return {
        content: say('Fixing it.', null),
        calls: [['edit', { path, old_string: misremembered, new_string: first.new_string }]],
      };
  }
  if (
    p.wrong &&
    appliedEdits.length === 0 &&
    first.path === p.wrong.path &&
    first.old_string === p.wrong.old_string
  )
    return {
      content: say('This looks off; trying a change.', null),
      calls: [['edit', { path, old_string: p.wrong.old_string, new_string: p.wrong.new_string }]],
    };
  // Edits of one file go in one turn (when their lines are all seen) or one per turn, by seed.
  const batch = [first];
  if (p.together)
    for (const e of todo.slice(1)) {
      if (e.path !== path || unseen(e)) break;
      batch.push(e);
    }
  // Later edits' old text was computed on the file before the earlier ones in the batch: a
  // batch is only safe when they do not overlap, which editsForFile guarantees (unique text).
  return {
    content: appliedEdits.length === 0 ? say('Found it; fixing.', 'Applying the fix.', null) : null,
    calls: batch.map((e) => [
      'edit',
      { path: e.path, old_string: e.old_string, new_string: e.new_string },
    ]),
  };
}

/** Every step the oracle takes when its own replies are all that happens (for tests and inspection). */
export function oracleFirstStep(gt: GymTask, options: Partial<OracleOptions> = {}): Step {
  return nextStep(makePlan(gt, options), readHistory([]));
}

/** An oracle Model for one task. */
export function createOracleModel(gt: GymTask, options: Partial<OracleOptions> = {}): Model {
  const plan = makePlan(gt, options);
  const id = `oracle:seed=${options.seed ?? DEFAULT_ORACLE_OPTIONS.seed}`;
  return {
    id,
    async complete(req: CompletionRequest): Promise<CompletionResponse> {
      const h = readHistory(req.messages);
      let step: Step;
      try {
        step = nextStep(plan, h);
      } catch (e) {
        throw new ModelError(`oracle: ${(e as Error).message}`);
      }
      const known = new Set(req.tools.map((t) => t.function.name));
      const tool_calls: ToolCall[] = step.calls.map(([name, args], k) => {
        if (!known.has(name)) throw new ModelError(`oracle: the harness offers no "${name}" tool`);
        return {
          id: `call_${h.turns + 1}_${k + 1}`,
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

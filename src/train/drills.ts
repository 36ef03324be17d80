// Light-SFT data: format and instruction drills played through the real harness (real
// tools, real sandbox, the one prompt), so every observation is what the harness really
// returns. Each drill is a short task on a clean generated repository with a scripted plan
// whose steps may be computed from the previous observation; several plans make a
// deliberate mistake first (an edit that does not match, an edit that is not unique, a
// missing file, a failing or hanging command, a search that finds nothing) and then recover.

import { createWorkspace } from '../gym/workspace.js';
import { runAgent } from '../harness/agent.js';
import type { Trajectory } from '../harness/trajectory.js';
import type { AssistantMessage } from '../messages.js';
import { estimateUsage } from '../providers/estimate.js';
import type { CompletionRequest, Model } from '../providers/model.js';
import { createSandbox } from '../sandbox/index.js';
import { Rng } from '../tasks/rng.js';
import { generateRepo } from '../tasks/synth/index.js';

/** Kinds of drills; each exercises a tool or a recovery from one of the harness's errors. */
export const DRILL_KINDS = [
  'read_definition',
  'edit_not_found',
  'edit_not_unique',
  'file_missing',
  'command_fails',
  'command_timeout',
  'search_empty',
  'write_file',
  'run_tests',
] as const;
export type DrillKind = (typeof DRILL_KINDS)[number];

type Call = [name: string, args: Record<string, unknown>];
/** One planned turn: from the previous observation to the next assistant message. */
type Step = (lastObservation: string) => { say?: string; call: Call };

interface Plan {
  task: string;
  steps: Step[];
}

interface Def {
  file: string;
  name: string;
  /** 1-based line of the definition. */
  line: number;
  text: string;
}

function definitions(files: Record<string, string>): Def[] {
  const out: Def[] = [];
  for (const [file, body] of Object.entries(files)) {
    if (!file.startsWith('src/')) continue;
    body.split('\n').forEach((text, i) => {
      const m = /^export (?:function|const|class) ([A-Za-z_$][\w$]*)/.exec(text);
      if (m) out.push({ file, name: m[1], line: i + 1, text });
    });
  }
  return out;
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(0, xs.length - 1)];

/** The plan of one drill on a repository, or null when the repo does not suit this kind. */
function plan(kind: DrillKind, files: Record<string, string>, rng: Rng): Plan | null {
  const defs = definitions(files);
  if (defs.length === 0) return null;
  const d = pick(rng, defs);
  const lines = files[d.file].split('\n');
  const finish =
    (summary: string): Step =>
    () => ({ call: ['finish', { summary }] });
  const readAt =
    (file: string, line: number): Step =>
    () => ({
      call: ['read', { path: file, offset: Math.max(1, line - 2), limit: 12 }],
    });
  const comment = `// ${pick(rng, ['reviewed', 'checked', 'see tests', 'hot path', 'keep in sync'])}`;
  switch (kind) {
    case 'read_definition':
      return {
        task: pick(rng, [
          `Where is \`${d.name}\` defined? Show its first lines.`,
          `Find the definition of ${d.name} and tell me which file it is in.`,
        ]),
        steps: [
          () => ({ call: ['search', { pattern: `\\b${d.name}\\b`, path: 'src' }] }),
          readAt(d.file, d.line),
          finish(`${d.name} is defined in ${d.file} at line ${d.line}.`),
        ],
      };
    case 'edit_not_found': {
      // The remembered line differs from the file (a typo), so the edit fails; re-read, then edit.
      const wrong = d.text.replace(d.name, `${d.name}s`);
      return {
        task: `Add the comment \`${comment}\` on the line above the definition of ${d.name} in ${d.file}.`,
        steps: [
          () => ({
            call: ['edit', { path: d.file, old_string: wrong, new_string: `${comment}\n${wrong}` }],
          }),
          readAt(d.file, d.line),
          () => ({
            say: 'The line differs from what I assumed; using the exact text now.',
            call: [
              'edit',
              { path: d.file, old_string: d.text, new_string: `${comment}\n${d.text}` },
            ],
          }),
          finish(`Added ${comment} above ${d.name} in ${d.file}.`),
        ],
      };
    }
    case 'edit_not_unique': {
      const counts = new Map<string, number>();
      for (const l of lines) if (l.trim().length > 3) counts.set(l, (counts.get(l) ?? 0) + 1);
      const code = (l: string) => l.trim() !== '' && !/^\s*(\*|\/\*\*|\/\/)/.test(l);
      const dupIdx = lines.findIndex(
        (l, i) => i > 0 && (counts.get(l) ?? 0) > 1 && code(l) && code(lines[i - 1]),
      );
      if (dupIdx < 1) return null;
      const dup = lines[dupIdx];
      const ctx = `${lines[dupIdx - 1]}\n${dup}`;
      if (files[d.file].split(ctx).length !== 2) return null;
      const indent = /^\s*/.exec(dup)?.[0] ?? '';
      return {
        task: `In ${d.file}, put the comment \`${comment}\` above line ${dupIdx + 1} (\`${dup.trim()}\`).`,
        steps: [
          () => ({
            call: [
              'edit',
              { path: d.file, old_string: dup, new_string: `${indent}${comment}\n${dup}` },
            ],
          }),
          readAt(d.file, dupIdx + 1),
          () => ({
            say: 'That text occurs more than once; including the line before it.',
            call: [
              'edit',
              {
                path: d.file,
                old_string: ctx,
                new_string: `${lines[dupIdx - 1]}\n${indent}${comment}\n${dup}`,
              },
            ],
          }),
          finish(`Added the comment above line ${dupIdx + 1} of ${d.file}.`),
        ],
      };
    }
    case 'file_missing': {
      const guess = d.file.replace(/\/([^/]+)\.(ts|js)$/, '/$1s.$2');
      return {
        task: `Show me what ${d.name} in ${guess} does.`,
        steps: [
          () => ({ call: ['read', { path: guess, limit: 40 }] }),
          () => ({ call: ['list', { path: 'src' }] }),
          readAt(d.file, d.line),
          finish(`${guess} does not exist; ${d.name} is in ${d.file} (line ${d.line}).`),
        ],
      };
    }
    case 'command_fails':
      return {
        task: `How many lines does ${d.file} have?`,
        steps: [
          () => ({ call: ['bash', { command: `wc -l ${d.file.replace(/^src\//, '')}` }] }),
          () => ({
            say: 'Paths are relative to the repository root.',
            call: ['bash', { command: `wc -l ${d.file}` }],
          }),
          (obs) => finish(`${d.file} has ${/(\d+)/.exec(obs)?.[1] ?? lines.length} lines.`)(obs),
        ],
      };
    case 'command_timeout':
      return {
        task: 'Check that node works in this repository and print its version.',
        steps: [
          () => ({
            call: ['bash', { command: 'node -e "setInterval(() => {}, 1000)"', timeout: 1 }],
          }),
          () => ({
            say: 'That command never exits; running one that does.',
            call: ['bash', { command: 'node --version' }],
          }),
          (obs) => finish(`node ${obs.trim().split('\n')[0]} works.`)(obs),
        ],
      };
    case 'search_empty':
      return {
        task: `Find where ${d.name} is used.`,
        steps: [
          () => ({ call: ['search', { pattern: `${d.name}\\(\\)`, path: 'src' }] }),
          () => ({ call: ['search', { pattern: `\\b${d.name}\\b` }] }),
          (obs) =>
            finish(
              `${d.name} appears in ${
                new Set(
                  obs
                    .split('\n')
                    .map((l) => l.split(':')[0])
                    .filter((f) => f.includes('/')),
                ).size
              } file(s).`,
            )(obs),
        ],
      };
    case 'write_file': {
      const name = pick(rng, ['NOTES.md', 'docs/modules.md', 'TODO.md']);
      return {
        task: `Create ${name} listing the source files.`,
        steps: [
          () => ({ call: ['list', { path: 'src' }] }),
          () => ({
            call: [
              'write',
              {
                path: name,
                content: `# Modules\n\n${Object.keys(files)
                  .filter((f) => f.startsWith('src/'))
                  .map((f) => `- ${f}`)
                  .join('\n')}\n`,
              },
            ],
          }),
          finish(`Wrote ${name}.`),
        ],
      };
    }
    case 'run_tests':
      if (files['tsconfig.json']) return null; // TS repos need a loader the drills do not assume
      return {
        task: pick(rng, ['Run the tests and tell me how many pass.', 'Do the tests pass?']),
        steps: [
          () => ({ call: ['read', { path: 'package.json' }] }),
          () => ({ call: ['bash', { command: 'npm test' }] }),
          (obs) => finish(`${/# pass (\d+)/.exec(obs)?.[1] ?? 'all'} tests pass.`)(obs),
        ],
      };
  }
}

/** A Model that plays a plan, each step computed from the last tool observation. */
function planModel(p: Plan): Model {
  return {
    id: 'drill',
    async complete(req: CompletionRequest) {
      const turn = req.messages.filter((m) => m.role === 'assistant').length;
      const last = [...req.messages].reverse().find((m) => m.role === 'tool');
      const step = p.steps[Math.min(turn, p.steps.length - 1)];
      const { say, call } = step(last && 'content' in last ? String(last.content) : '');
      const message: AssistantMessage = {
        role: 'assistant',
        content: say ?? null,
        tool_calls: [
          {
            id: `call_${turn}`,
            type: 'function',
            function: { name: call[0], arguments: JSON.stringify(call[1]) },
          },
        ],
      };
      return {
        message,
        usage: estimateUsage(req.messages, req.tools, message),
        finishReason: 'tool_calls',
      };
    },
  };
}

export interface DrillSpec {
  /** Seeds of the generated repositories the drills run in. */
  seeds: number[];
  /** Drills per repository (kinds cycle). @default 3 */
  perRepo: number;
  /** @default 'bwrap' */
  sandbox: 'bwrap' | 'none';
  /** Repository ids never to use (the eval split's). @default [] */
  excludeRepos: string[];
}

/** A drill trajectory and what it was. */
export interface Drill {
  kind: DrillKind;
  repoId: string;
  trajectory: Trajectory;
}

/** Plays drills through the harness; returns the trajectories that ended with finish. */
export async function makeDrills(
  spec: Partial<DrillSpec> & Pick<DrillSpec, 'seeds'>,
  onDrill?: (n: number) => void,
): Promise<Drill[]> {
  const s: DrillSpec = { perRepo: 3, sandbox: 'bwrap', excludeRepos: [], ...spec };
  const excl = new Set(s.excludeRepos);
  const out: Drill[] = [];
  let k = 0;
  for (const seed of s.seeds) {
    const repo = generateRepo(seed);
    if (excl.has(repo.repoId)) continue;
    const rng = new Rng(seed * 7919 + 17);
    for (let i = 0; i < s.perRepo; i++) {
      const kind = DRILL_KINDS[k++ % DRILL_KINDS.length];
      const p = plan(kind, repo.files, rng);
      if (!p) continue;
      const ws = await createWorkspace(repo.files);
      try {
        const sandbox = createSandbox(s.sandbox, ws.root);
        const trajectory = await runAgent(p.task, planModel(p), sandbox, {
          maxTurns: p.steps.length + 1,
        });
        if (trajectory.status === 'submitted') out.push({ kind, repoId: repo.repoId, trajectory });
      } finally {
        await ws.dispose();
      }
      onDrill?.(out.length);
    }
  }
  return out;
}

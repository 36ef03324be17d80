// The turn probe: a checkpoint replays held-out teacher episodes turn by turn. At every
// assistant turn it sees the teacher's conversation so far and generates its own turn
// (greedy); the turn matches when it calls the same tool with the same arguments. An episode
// whose every turn matches is one the model would have solved by imitation, so the probe
// says which step of the loop (finding the command, the file, the line, the fix) stops the
// model, at a fraction of a rollout's cost (no sandbox, one generation per turn).
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { LoadedModel } from '../lm/checkpoint.js';
import { loadCheckpoint } from '../lm/model.js';
import type { AssistantMessage, Message } from '../messages.js';
import { localModelFrom } from '../providers/local.js';
import { readRuns } from './chats.js';
import { atomicWrite } from './progress.js';

export interface ProbeOptions {
  /** Episodes to replay (the first N resolved ones, by task id). @default 40 */
  limit: number;
  /** Episodes replayed at once (their turns share batched decode steps). @default 4 */
  concurrency: number;
}

export const PROBE_DEFAULTS: ProbeOptions = { limit: 40, concurrency: 4 };

export interface ProbeCell {
  turns: number;
  /** Same tool. */
  name: number;
  /** Same tool and arguments. */
  exact: number;
}

export interface ProbeResult {
  episodes: number;
  /** Episodes whose every turn matched exactly. */
  episodesMatched: number;
  all: ProbeCell;
  /** By the teacher's tool at that turn. */
  byTool: Record<string, ProbeCell>;
  /** By turn index (0 = first assistant turn). */
  byTurn: ProbeCell[];
  /** Turns whose reply was not a tool call at all. */
  noCall: number;
  /** Episodes that outgrew the model's context before their last turn. */
  overflow: number;
}

const cell = (): ProbeCell => ({ turns: 0, name: 0, exact: 0 });

/** The arguments of a call as data (JSON text may differ in spacing and key order). */
function args(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

/** Does `got` do what the teacher's turn `want` did? finish matches on the tool alone. */
export function sameTurn(
  want: AssistantMessage,
  got: AssistantMessage,
): { name: boolean; exact: boolean } {
  const w = want.tool_calls?.[0]?.function;
  const g = got.tool_calls?.[0]?.function;
  if (!w || !g) return { name: false, exact: false };
  const name = w.name === g.name;
  const exact =
    name && (w.name === 'finish' || isDeepStrictEqual(args(w.arguments), args(g.arguments)));
  return { name, exact };
}

/** Replays resolved episodes of `runDirs` with `model`; see the file comment. */
export async function turnProbe(
  model: LoadedModel,
  runDirs: string[],
  opts: Partial<ProbeOptions> = {},
): Promise<ProbeResult> {
  const o = { ...PROBE_DEFAULTS, ...opts };
  const recs = readRuns(runDirs)
    .filter((r) => r.grade.resolved && r.k === 0)
    .slice(0, o.limit);
  const res: ProbeResult = {
    episodes: recs.length,
    episodesMatched: 0,
    all: cell(),
    byTool: {},
    byTurn: [],
    noCall: 0,
    overflow: 0,
  };
  const add = (c: ProbeCell, m: { name: boolean; exact: boolean }) => {
    c.turns++;
    c.name += m.name ? 1 : 0;
    c.exact += m.exact ? 1 : 0;
  };
  const provider = localModelFrom(model, 'probe', { temperature: 0, maxTokens: 256 });
  try {
    let next = 0;
    const worker = async () => {
      while (next < recs.length) {
        const t = recs[next++].trajectory;
        const msgs = t.messages as Message[];
        let allExact = true;
        let k = -1; // index of this assistant turn among the episode's assistant turns
        for (let i = 0; i < msgs.length; i++) {
          const want = msgs[i];
          if (want.role === 'assistant') k++;
          if (want.role !== 'assistant' || !want.tool_calls?.length) continue;
          const r = await provider
            .complete({ messages: msgs.slice(0, i), tools: t.tools })
            .catch((e: Error) => {
              if (/the prompt is \d+ tokens/.test(e.message)) return null;
              throw e;
            });
          if (!r) {
            // Past the model's context: the episode cannot be imitated to the end.
            res.overflow++;
            allExact = false;
            break;
          }
          const m = sameTurn(want, r.message);
          res.byTurn[k] ??= cell();
          add(res.byTurn[k], m);
          const tool = want.tool_calls[0].function.name;
          res.byTool[tool] ??= cell();
          add(res.byTool[tool], m);
          add(res.all, m);
          if (!r.message.tool_calls?.length) res.noCall++;
          allExact &&= m.exact;
        }
        if (allExact) res.episodesMatched++;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, worker));
  } finally {
    await provider.close?.();
  }
  return res;
}

/** The probe's headline numbers. */
export interface ProbeSummary {
  turns: number;
  exact: number;
  episodes: number;
  imitated: number;
}

/**
 * The probe of checkpoint `ckpt`, read from `file` when an earlier run wrote it for the same
 * checkpoint (a rerun of the pipeline only re-reports), else measured and written there.
 */
export async function probeCached(
  ckpt: string,
  runDirs: string[],
  limit: number,
  file: string,
): Promise<ProbeSummary> {
  const key = JSON.stringify([
    ckpt,
    statSync(join(ckpt, 'model.safetensors')).mtimeMs,
    runDirs,
    limit,
  ]);
  if (existsSync(file)) {
    const c = JSON.parse(readFileSync(file, 'utf8')) as { key: string; summary: ProbeSummary };
    if (c.key === key) return c.summary;
  }
  const r = await turnProbe(loadCheckpoint(ckpt), runDirs, { limit });
  const summary = {
    turns: r.all.turns,
    exact: r.all.exact,
    episodes: r.episodes,
    imitated: r.episodesMatched,
  };
  mkdirSync(dirname(file), { recursive: true });
  atomicWrite(file, JSON.stringify({ key, summary, result: r }, null, 1));
  return summary;
}

/** The probe as a few readable lines. */
export function probeMarkdown(r: ProbeResult): string {
  const pct = (c: ProbeCell, k: 'name' | 'exact') =>
    `${((100 * c[k]) / Math.max(1, c.turns)).toFixed(0)}%`;
  const row = (label: string, c: ProbeCell) =>
    `| ${label} | ${c.turns} | ${pct(c, 'name')} | ${pct(c, 'exact')} |`;
  return [
    `episodes matched end to end: ${r.episodesMatched}/${r.episodes}; turns with no tool call: ${r.noCall}/${r.all.turns}; episodes past the context: ${r.overflow}`,
    '',
    '| teacher turn | turns | same tool | same call |',
    '|---|---|---|---|',
    row('all', r.all),
    ...Object.entries(r.byTool)
      .sort()
      .map(([k, c]) => row(k, c)),
    ...r.byTurn.map((c, i) => (c ? row(`turn ${i + 1}`, c) : '')).filter(Boolean),
    '',
  ].join('\n');
}

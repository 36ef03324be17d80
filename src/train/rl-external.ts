// The RL step's data for an external trainer (vLLM + verl-style engines): the harness runs
// unchanged against the recording gateway (`loopsmith rollout --base-url
// http://GW/rollout/{rollout}/v1`), each rollout is closed with its reward and
// `{task_id, k, resolved, cut_by_limit}`, and this turns the gateway store into the rows the
// local RL step trains on: exact sampled ids, loss mask, sampling logprobs, leave-one-out
// advantage within the task's group, limit-cut rollouts masked, no-variance groups flagged.

import { readdir } from 'node:fs/promises';
import type { RewardRecord } from '../gym/gateway.js';
import { readTrace } from '../gym/gateway.js';
import { rowsOf } from '../gym/gateway-rows.js';
import { emptyReport, groupAdvantages, maskedBy, type RlRollout } from './rl-groups.js';

/** One training row for an external engine (JSONL line of `loopsmith data rows --rl`). */
export interface ExternalRow {
  rollout: string;
  /** Index of the row in its rollout (several only where a prompt broke the prefix). */
  part: number;
  task_id: string;
  k: number;
  ids: number[];
  /** 1 on sampled tokens, 0 on prompt and tool-output tokens. */
  mask: number[];
  /** Sampling logprob per id (0 where mask is 0): the ratio's denominator. */
  logprobs: number[];
  reward: number;
  /** Leave-one-out advantage in the task's group; 0 when masked or the group was dropped. */
  advantage: number;
  /** Cut by a turn / token / time / context limit: do not train. */
  masked: boolean;
  /** The group had reward variance over >= 2 unmasked rollouts. */
  group_kept: boolean;
}

export interface ExternalReport {
  rollouts: number;
  rows: number;
  prefix_mismatches: number;
  without_tokens: number;
  /** Rollouts never closed with a reward (left out). */
  open_rollouts: number;
  groups: number;
  groups_kept: number;
  masked: number;
}

interface Info {
  task_id?: string;
  k?: number;
  resolved?: boolean;
  cut_by_limit?: boolean;
}

/** Task and index of a rollout: from its reward info, else from an id `TASK.K`. */
function identity(id: string, info: Info): { task: string; k: number } {
  const dot = id.lastIndexOf('.');
  const task = info.task_id ?? (dot > 0 ? id.slice(0, dot) : id);
  const k = info.k ?? (dot > 0 ? Number(id.slice(dot + 1)) || 0 : 0);
  return { task, k };
}

/** Every closed rollout of a gateway store as RL rows, grouped by task. */
export async function rlRowsFromStore(
  store: string,
): Promise<{ rows: ExternalRow[]; report: ExternalReport }> {
  const merge = emptyReport();
  const byTask = new Map<string, { r: RlRollout; id: string; rows: ReturnType<typeof rowsOf> }[]>();
  let open = 0;
  for (const f of (await readdir(store)).filter((n) => n.endsWith('.jsonl')).sort()) {
    const id = f.slice(0, -'.jsonl'.length);
    const recs = await readTrace(store, id);
    const rw = recs.find((x): x is RewardRecord => x.type === 'reward');
    if (!rw) {
      open++;
      continue;
    }
    const info = (rw.info ?? {}) as Info;
    const { task, k } = identity(id, info);
    const rows = rowsOf(id, recs, merge);
    const resolved = info.resolved ?? rw.reward > 0;
    const r: RlRollout = {
      taskId: task,
      k,
      reward: rw.reward,
      resolved,
      masked: maskedBy(info.cut_by_limit === true, resolved),
      status: info.cut_by_limit ? 'cut' : 'closed',
      totalTokens: 0,
      completionTokens: 0,
      calls: [],
    };
    byTask.set(task, [...(byTask.get(task) ?? []), { r, id, rows }]);
  }
  const rows: ExternalRow[] = [];
  let kept = 0;
  let masked = 0;
  let rollouts = 0;
  for (const [task, members] of [...byTask.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    members.sort((a, b) => a.r.k - b.r.k);
    const g = groupAdvantages(members.map((m) => m.r));
    if (g.kept) kept++;
    members.forEach((m, i) => {
      rollouts++;
      if (m.r.masked) masked++;
      for (const row of m.rows)
        rows.push({
          rollout: m.id,
          part: row.part,
          task_id: task,
          k: m.r.k,
          ids: row.ids,
          mask: row.mask,
          logprobs: row.logprobs,
          reward: m.r.reward,
          advantage: g.advantages[i],
          masked: m.r.masked,
          group_kept: g.kept,
        });
    });
  }
  return {
    rows,
    report: {
      rollouts,
      rows: rows.length,
      prefix_mismatches: merge.prefix_mismatches,
      without_tokens: merge.without_tokens,
      open_rollouts: open,
      groups: byTask.size,
      groups_kept: kept,
      masked,
    },
  };
}

// A compacted trajectory is several conversations: each compaction rewrote the history, so
// the prompts after it no longer extend the ones before token for token. Dataset rows are
// therefore built per segment (harness/trajectory.ts `segments`), each one token-exact.
import { segments } from '../../harness/trajectory.js';
import type { RolloutRecord } from '../rollout.js';

/** The record itself when it was never compacted, else one record per segment that has turns. */
export function segmentRecords(rec: RolloutRecord): (RolloutRecord & { segment?: number })[] {
  if (!rec.trajectory.compactions?.length) return [rec];
  return segments(rec.trajectory)
    .filter((s) => s.turns.length > 0)
    .map((s, i) => ({
      ...rec,
      segment: i,
      trajectory: {
        ...rec.trajectory,
        messages: s.messages,
        turns: s.turns,
        compactions: undefined,
      },
    }));
}

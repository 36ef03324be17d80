// Stage 3 of the recipe (light SFT): format and instruction drills played through the real
// harness (src/train/drills.ts), assistant-only loss. Drills are made once and kept in
// OUT/drills.jsonl, so a resumed run trains on exactly the same data.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTrajectoryJsonl, trajectoryToConversation } from './chats.js';
import { conversationData, type KeyedConversation } from './conv-data.js';
import { type DrillSpec, makeDrills } from './drills.js';
import type { OverflowPolicy } from './packing.js';
import { atomicWrite } from './progress.js';
import {
  runTraining,
  type StageResult,
  stageComplete,
  TRAIN_DEFAULTS,
  type TrainConfig,
} from './stage.js';

export interface SftConfig extends TrainConfig {
  drills: Partial<DrillSpec> & Pick<DrillSpec, 'seeds'>;
  /** Extra conversations (JSONL of trajectories) trained alongside the drills. @default [] */
  extra: string[];
  /** @default 'cut' */
  /** Share of rows that are induction drills (they keep the copying heads trained). @default 0 */
  drillFraction: number;
  overflow: OverflowPolicy;
}

/** Runs the sft stage. */
export async function runSft(
  cfg: Partial<SftConfig> & Pick<SftConfig, 'from' | 'out' | 'drills'>,
  log: (l: string) => void = (l) => process.stderr.write(`${l}\n`),
  stopAfter?: number,
): Promise<StageResult> {
  const c: SftConfig = { ...TRAIN_DEFAULTS, drillFraction: 0, extra: [], overflow: 'cut', ...cfg };
  const file = join(c.out, 'drills.jsonl');
  // Bad extra files fail before minutes of drills are played.
  for (const f of c.extra) readTrajectoryJsonl(f);
  if (!existsSync(file) && !stageComplete(c.out)) {
    mkdirSync(c.out, { recursive: true });
    log(`sft: playing drills on ${c.drills.seeds.length} repositories through the harness`);
    const drills = await makeDrills(c.drills);
    atomicWrite(
      file,
      `${drills
        .map((d) => JSON.stringify({ kind: d.kind, repoId: d.repoId, trajectory: d.trajectory }))
        .join('\n')}\n`,
    );
    writeFileSync(
      join(c.out, 'drill-kinds.json'),
      JSON.stringify(countBy(drills.map((d) => d.kind))),
    );
  }
  return runTraining({
    stage: 'sft',
    cfg: c,
    log,
    stopAfter,
    data: (m) => {
      const T = Math.min(c.seq, m.config.maxSeqLen);
      const trajs = [file, ...c.extra].flatMap((f) => readTrajectoryJsonl(f));
      const convs: KeyedConversation[] = trajs.map((t, i) => ({
        key: `${t.id ?? i}`,
        ...trajectoryToConversation(t, m.tokenizer, 'assistant'),
      }));
      const d = conversationData(m, convs, T, {
        overflow: c.overflow,
        drillFraction: c.drillFraction,
      });
      return { ...d, info: { ...d.info, drills: trajs.length } };
    },
  });
}

function countBy(xs: string[]): Record<string, number> {
  const o: Record<string, number> = {};
  for (const x of xs) o[x] = (o[x] ?? 0) + 1;
  return o;
}

// `loopsmith train <stage>`: one supervised stage of the recipe (src/train), thin. User
// mistakes (missing checkpoint, bad flag, empty dataset, corrupt JSONL line) print one line
// naming the file or flag and exit 2; other failures exit 1.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { ensureMallocTuning } from '../lm/malloc-tuning.js';
import { evalRepos } from '../train/conv-data.js';
import { INDUCTION_DEFAULTS, runInduction } from '../train/induction.js';
import { runMid2 } from '../train/mid2.js';
import { runMidtrain } from '../train/midtrain.js';
import { runPretrain } from '../train/pretrain.js';
import { PROBE_DEFAULTS, probeMarkdown, turnProbe } from '../train/probe.js';
import { runSft } from '../train/sft.js';
import {
  StageInputError,
  type StageResult,
  TRAIN_DEFAULTS,
  type TrainConfig,
} from '../train/stage.js';
import { registerTrainRl } from './train-rl.js';

const int =
  (name: string, min = 0) =>
  (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got ${v}`);
    return n;
  };
const num = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError(`${name} must be a number >= 0, got ${v}`);
  return n;
};
/** "A-B" (inclusive) or "A,B,C" -> seeds. */
export const seedRange = (name: string) => (v: string) => {
  const m = /^(\d+)-(\d+)$/.exec(v);
  if (m) {
    const [a, b] = [Number(m[1]), Number(m[2])];
    if (b < a) throw new InvalidArgumentError(`${name}: empty range ${v}`);
    return Array.from({ length: b - a + 1 }, (_, i) => a + i);
  }
  const xs = v.split(',').map(Number);
  if (xs.some((x) => !Number.isInteger(x) || x < 0))
    throw new InvalidArgumentError(`${name} must be A-B or A,B,C, got ${v}`);
  return xs;
};

type Common = Omit<TrainConfig, 'snapshotEvery'> & { excludeStore?: string[] };

function common(c: Command, d: Omit<TrainConfig, 'from' | 'out'> = TRAIN_DEFAULTS): Command {
  return c
    .requiredOption('--from <ckpt>', 'checkpoint (or stage output directory) to start from')
    .requiredOption('--out <dir>', 'stage output directory (rerun with the same one to resume)')
    .option('--steps <n>', 'optimizer steps', int('--steps', 1), d.steps)
    .option('--batch <n>', 'rows per micro-batch', int('--batch', 1), d.batch)
    .option('--seq <n>', 'tokens per row (capped by the model context)', int('--seq', 8), d.seq)
    .option('--accum <n>', 'micro-batches per step', int('--accum', 1), d.accum)
    .option('--lr <x>', 'peak learning rate', num('--lr'), d.lr)
    .option('--warmup <n>', 'warmup steps', int('--warmup'), d.warmup)
    .option('--eval-every <n>', 'held-out loss every n steps', int('--eval-every', 1), d.evalEvery)
    .option('--save-every <n>', 'checkpoint every n steps', int('--save-every', 1), d.saveEvery)
    .option('--seed <n>', 'data-order seed', int('--seed'), d.seed)
    .option(
      '--exclude-store <db...>',
      'task stores whose eval-split repositories no data may come from',
    );
}

const pick = (o: Common) => ({
  from: o.from,
  out: o.out,
  steps: o.steps,
  batch: o.batch,
  seq: o.seq,
  accum: o.accum,
  lr: o.lr,
  warmup: o.warmup,
  evalEvery: o.evalEvery,
  saveEvery: o.saveEvery,
  seed: o.seed,
});
const excluded = (o: Common) => (o.excludeStore ?? []).flatMap((db) => evalRepos(db));

/** Runs a stage action: prints the result as JSON on stdout, user errors as one line with exit 2. */
async function act(stage: string, fn: () => StageResult | Promise<StageResult>): Promise<void> {
  try {
    const r = await fn();
    process.stdout.write(`${JSON.stringify(r)}\n`);
  } catch (e) {
    const user =
      e instanceof StageInputError || /^checkpoint |no such file|ENOENT/.test((e as Error).message);
    process.stderr.write(`loopsmith train ${stage}: ${(e as Error).message.split('\n')[0]}\n`);
    process.exit(user ? 2 : 1);
  }
}

const drillFraction = () =>
  new Option(
    '--drill-fraction <f>',
    'share of rows that are induction drills (keeps the copying heads)',
  )
    .argParser(num('--drill-fraction'))
    .default(0);

const overflow = () =>
  new Option(
    '--overflow <policy>',
    'conversations longer than the context: drop, or cut at a turn boundary',
  )
    .choices(['drop', 'cut'])
    .default('cut');

/** Registers `train pretrain|midtrain|sft|mid2`; returns the `train` command for more stages. */
export function registerTrain(program: Command): Command {
  const train = program
    .command('train')
    .description('Train one stage of the recipe: induction, pretrain, midtrain, sft, mid2, rl');

  common(
    train
      .command('induction')
      .description(
        'Induction drills before code: random tokens with a span written twice, loss on the copy',
      ),
    INDUCTION_DEFAULTS,
  )
    .option(
      '--textbook-steps <n>',
      'first steps on a block written twice (forms the heads in deeper models)',
      int('--textbook-steps'),
      0,
    )
    .action(async (o: Common & { textbookSteps: number }) => {
      ensureMallocTuning();
      await act('induction', () => runInduction({ ...pick(o), textbookSteps: o.textbookSteps }));
    });

  common(
    train
      .command('pretrain')
      .description('Next-token training on JS/TS code (generated repos + local sources)'),
  )
    .option(
      '--synth-seeds <range>',
      'generated repositories, e.g. 1000-1399',
      seedRange('--synth-seeds'),
      seedRange('')('1000-1199'),
    )
    .option('--local <dirs...>', 'folders of real JS/TS to include (e.g. node_modules)', [])
    .option('--local-max-mb <n>', 'cap on local code', num('--local-max-mb'), 4)
    .option(
      '--copy-fraction <x>',
      'share of rows that are induction drills (teaches copying from context)',
      num('--copy-fraction'),
      0,
    )
    .action(
      async (
        o: Common & {
          synthSeeds: number[];
          local: string[];
          localMaxMb: number;
          copyFraction: number;
        },
      ) => {
        ensureMallocTuning();
        if (o.copyFraction > 1) {
          process.stderr.write('loopsmith train pretrain: --copy-fraction must be in [0, 1]\n');
          process.exit(2);
        }
        await act('pretrain', () =>
          runPretrain({
            ...pick(o),
            copyFraction: o.copyFraction,
            corpus: {
              synthSeeds: o.synthSeeds,
              localRoots: o.local,
              localMaxBytes: o.localMaxMb * 1024 * 1024,
              excludeRepos: excluded(o),
            },
          }),
        );
      },
    );

  common(
    train.command('midtrain').description('Harness transcripts (teacher rollouts) mixed with code'),
  )
    .requiredOption('--runs <dirs...>', 'teacher rollout run directories')
    .requiredOption('--tasks <db>', 'the task store the runs came from')
    .option('--code-fraction <f>', 'share of rows that are code', num('--code-fraction'), 0.3)
    .option(
      '--synth-seeds <range>',
      'generated repositories for the code mix',
      seedRange('--synth-seeds'),
      seedRange('')('1000-1099'),
    )
    .addOption(overflow())
    .addOption(drillFraction())
    .action(
      async (
        o: Common & {
          runs: string[];
          tasks: string;
          codeFraction: number;
          synthSeeds: number[];
          overflow: 'drop' | 'cut';
          drillFraction: number;
        },
      ) => {
        ensureMallocTuning();
        await act('midtrain', () =>
          runMidtrain({
            ...pick(o),
            runs: o.runs,
            tasks: o.tasks,
            codeFraction: o.codeFraction,
            overflow: o.overflow,
            drillFraction: o.drillFraction,
            corpus: { synthSeeds: o.synthSeeds, excludeRepos: excluded(o) },
          }),
        );
      },
    );

  common(
    train
      .command('sft')
      .description('Format and instruction drills played through the real harness'),
  )
    .option(
      '--drill-seeds <range>',
      'generated repositories the drills run in',
      seedRange('--drill-seeds'),
      seedRange('')('5000-5099'),
    )
    .option('--per-repo <n>', 'drills per repository', int('--per-repo', 1), 3)
    .option('--sandbox <kind>', 'bwrap or none', 'bwrap')
    .option('--extra <jsonl...>', 'more trajectories to train on', [])
    .addOption(overflow())
    .addOption(drillFraction())
    .action(
      async (
        o: Common & {
          drillSeeds: number[];
          perRepo: number;
          sandbox: 'bwrap' | 'none';
          extra: string[];
          overflow: 'drop' | 'cut';
          drillFraction: number;
        },
      ) => {
        ensureMallocTuning();
        await act('sft', () =>
          runSft({
            ...pick(o),
            extra: o.extra,
            overflow: o.overflow,
            drillFraction: o.drillFraction,
            drills: {
              seeds: o.drillSeeds,
              perRepo: o.perRepo,
              sandbox: o.sandbox,
              excludeRepos: excluded(o),
            },
          }),
        );
      },
    );

  common(
    train
      .command('mid2')
      .description('Agentic trajectories solved in the harness, one curriculum phase per run'),
  )
    .requiredOption('--runs <dirs...>', 'rollout run directories')
    .requiredOption('--tasks <db>', 'the task store the runs came from')
    .option('--phase <n>', 'task stage to keep: 1, 2, or 0 for both', int('--phase'), 1)
    .option('--all-rollouts', 'keep unresolved rollouts too (default: resolved only)', false)
    .addOption(overflow())
    .addOption(drillFraction())
    .action(
      async (
        o: Common & {
          runs: string[];
          tasks: string;
          phase: number;
          allRollouts: boolean;
          overflow: 'drop' | 'cut';
          drillFraction: number;
        },
      ) => {
        if (![0, 1, 2].includes(o.phase)) {
          process.stderr.write('loopsmith train mid2: --phase must be 0, 1 or 2\n');
          process.exit(2);
        }
        ensureMallocTuning();
        await act('mid2', () =>
          runMid2({
            ...pick(o),
            runs: o.runs,
            tasks: o.tasks,
            phase: o.phase as 0 | 1 | 2,
            onlyResolved: !o.allRollouts,
            overflow: o.overflow,
            drillFraction: o.drillFraction,
            excludeRepos: excluded(o),
          }),
        );
      },
    );
  train
    .command('probe')
    .description(
      'Replay held-out teacher episodes turn by turn: does the checkpoint make the same calls?',
    )
    .requiredOption('--from <ckpt>', 'checkpoint directory')
    .requiredOption('--runs <dirs...>', 'rollout run directories (teacher on held-out tasks)')
    .option('--limit <n>', 'episodes', int('--limit', 1), PROBE_DEFAULTS.limit)
    .option('--json', 'print the result as JSON', false)
    .action(async (o: { from: string; runs: string[]; limit: number; json: boolean }) => {
      ensureMallocTuning();
      try {
        const { loadCheckpoint } = await import('../lm/model.js');
        const r = await turnProbe(loadCheckpoint(o.from), o.runs, { limit: o.limit });
        process.stdout.write(o.json ? `${JSON.stringify(r)}\n` : probeMarkdown(r));
      } catch (e) {
        process.stderr.write(`loopsmith train probe: ${(e as Error).message.split('\n')[0]}\n`);
        process.exit(
          e instanceof StageInputError || /^checkpoint |ENOENT/.test((e as Error).message) ? 2 : 1,
        );
      }
    });
  registerTrainRl(train);
  return train;
}

// `loopsmith train rl`: stage 5, RL in the unchanged harness (src/train/rl.ts), thin. User
// mistakes (bad flag, checkpoint without tokenizer, tasks without an eval split) print one
// line naming the flag or file and exit 2; other failures exit 1.
import { type Command, InvalidArgumentError } from 'commander';
import { ensureMallocTuning } from '../lm/malloc-tuning.js';
import { bwrapAvailable } from '../sandbox/index.js';
import { RL_DEFAULTS, type RlConfig, runRl } from '../train/rl.js';
import { StageInputError } from '../train/stage.js';

const int = (name: string, min: number) => (v: string) => {
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

function fail(message: string, code: number): never {
  process.stderr.write(`loopsmith train rl: ${message.split('\n')[0]}\n`);
  process.exit(code);
}

/** Registers `train rl` under the `train` command. */
export function registerTrainRl(train: Command): void {
  const d = RL_DEFAULTS;
  train
    .command('rl')
    .description(
      'RL in the harness: frontier tasks, G graded rollouts each, leave-one-out advantages, clipped PG on the sampled ids',
    )
    .requiredOption('--from <ckpt>', 'checkpoint (or stage output directory) to start from')
    .requiredOption('--tasks <db>', 'task store (or JSONL) with train- and eval-split tasks')
    .requiredOption('--out <dir>', 'stage output directory (rerun with the same one to resume)')
    .option('--heldout <db>', 'task store whose eval split is held out (default: that of --tasks)')
    .option(
      '--filter <key=value>',
      'keep tasks (both splits) whose field or feature equals value, repeatable: stage=1',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--steps <n>', 'RL steps', int('--steps', 1), d.steps)
    .option('--group <g>', 'rollouts per task', int('--group', 2), d.group)
    .option('--tasks-per-step <n>', 'tasks per step', int('--tasks-per-step', 1), d.tasksPerStep)
    .option(
      '--token-cost <r>',
      'reward taken per 1,000 tokens from resolved rollouts (capped at 0.5)',
      num('--token-cost'),
      d.tokenCost,
    )
    .option(
      '--max-turns <n>',
      'harness turn limit (cut rollouts are masked)',
      int('--max-turns', 1),
      d.maxTurns,
    )
    .option(
      '--max-tokens <n>',
      'harness token budget per rollout',
      int('--max-tokens', 1),
      d.maxTokens,
    )
    .option('--timeout <sec>', 'wall-clock limit per rollout', int('--timeout', 1), d.timeout)
    .option(
      '--call-tokens <n>',
      'most completion tokens per model call',
      int('--call-tokens', 1),
      d.callTokens,
    )
    .option('--lr <x>', 'learning rate', num('--lr'), d.lr)
    .option('--clip-low <x>', 'ratio clip below 1', num('--clip-low'), d.clipLow)
    .option('--clip-high <x>', 'ratio clip above 1 (clip-higher)', num('--clip-high'), d.clipHigh)
    .option(
      '--eval-every <n>',
      'held-out resolved rate every n steps',
      int('--eval-every', 1),
      d.evalEvery,
    )
    .option('--eval-tasks <n>', 'held-out tasks evaluated', int('--eval-tasks', 1), d.evalTasks)
    .option(
      '--revisit-after <n>',
      'steps an always/never-solved task waits',
      int('--revisit-after', 0),
      d.revisitAfter,
    )
    .option('--concurrency <n>', 'episodes at once', int('--concurrency', 1), d.concurrency)
    .option('--sandbox <kind>', 'bwrap or none', d.sandbox)
    .option('--seed <n>', 'seed of task order and sampling', int('--seed', 0), d.seed)
    .option(
      '--teacher-start <dir>',
      "teacher rollout run: train rollouts start after the teacher's turns before its first edit",
    )
    .option(
      '--teacher-back <n>',
      'with --teacher-start: the policy takes over n teacher turns earlier',
      int('--teacher-back', 0),
      d.teacherBack,
    )
    .option(
      '--teacher-fraction <p>',
      "with --teacher-start: share of a step's tasks started after the teacher's turns (the rest from turn 1)",
      num('--teacher-fraction'),
      d.teacherFraction,
    )
    .option(
      '--neg-weight <w>',
      'scale of negative advantages (0: train only rollouts better than their group)',
      num('--neg-weight'),
      d.negWeight,
    )
    .option(
      '--kl <beta>',
      'weight of a KL(policy || --from) anchor on trained tokens (0: none)',
      num('--kl'),
      d.kl,
    )
    .option(
      '--cut <rule>',
      'unresolved rollouts cut by a turn/token/time/context limit: mask (not trained) or fail (reward 0)',
      d.cut,
    )
    .action(async (o: RlConfig) => {
      if (o.sandbox !== 'bwrap' && o.sandbox !== 'none')
        fail(`--sandbox must be bwrap or none, got "${o.sandbox}"`, 2);
      if (o.sandbox === 'bwrap' && !bwrapAvailable().ok)
        fail(`bubblewrap is not usable here (${bwrapAvailable().reason})`, 2);
      ensureMallocTuning();
      try {
        const r = await runRl(o);
        process.stdout.write(`${JSON.stringify(r)}\n`);
      } catch (e) {
        fail((e as Error).message, e instanceof StageInputError ? 2 : 1);
      }
    });
}

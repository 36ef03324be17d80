// `loopsmith pipeline --preset tiny|small`: the main job (src/train/pipeline.ts), thin.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ensureMallocTuning } from '../lm/malloc-tuning.js';
import { bwrapAvailable } from '../sandbox/index.js';
import { ablationMarkdown } from '../train/ablation.js';
import { presetOf, runPipeline, summaryMarkdown } from '../train/pipeline.js';
import { StageInputError } from '../train/stage.js';

/** `format,curriculum` -> the ablation names, or a usage error. */
function parseAblations(v: string): ('format' | 'curriculum')[] {
  const xs = v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  for (const x of xs)
    if (x !== 'format' && x !== 'curriculum')
      throw new StageInputError(`--ablation ${x}: unknown (have format, curriculum)`);
  return xs as ('format' | 'curriculum')[];
}

export function registerPipeline(program: Command): void {
  program
    .command('pipeline')
    .description(
      'The whole recipe: tasks -> teacher -> induction -> pretrain -> midtrain -> sft -> mid2 -> rl -> held-out eval -> report',
    )
    .option('--preset <name>', 'micro | tiny | small', 'tiny')
    .option('--out <dir>', 'output directory (rerun to resume)', 'runs/pipeline')
    .option('--sandbox <kind>', 'bwrap or none (default: bwrap when installed)')
    .option('--concurrency <n>', 'rollouts at once', '2')
    .option('--ablation <names>', 'also run ablations: format, curriculum (comma-separated)', '')
    .option('--no-rl', 'skip the RL stage')
    .action(
      async (o: {
        preset: string;
        out: string;
        sandbox?: 'bwrap' | 'none';
        concurrency: string;
        ablation: string;
        rl: boolean;
      }) => {
        ensureMallocTuning();
        try {
          const preset = presetOf(o.preset);
          const sandbox = o.sandbox ?? (bwrapAvailable().ok ? 'bwrap' : 'none');
          if (sandbox === 'none')
            process.stderr.write(
              'note: bubblewrap not found; commands run unsandboxed (apt-get install bubblewrap)\n',
            );
          const t0 = Date.now();
          const rows = await runPipeline({
            preset,
            out: o.out,
            sandbox,
            concurrency: Number(o.concurrency) || 2,
            noRl: !o.rl,
            ablations: parseAblations(o.ablation),
            log: (l) => process.stderr.write(`${l}\n`),
          });
          const { timings, curve, ablation } = JSON.parse(
            readFileSync(join(o.out, 'summary.json'), 'utf8'),
          );
          process.stdout.write(
            summaryMarkdown(preset.name, rows, timings, curve) + ablationMarkdown(ablation),
          );
          process.stdout.write(
            `\npipeline done in ${Math.round((Date.now() - t0) / 1000)} s; artifacts in ${o.out} (summary.md, report.html)\n`,
          );
        } catch (e) {
          process.stderr.write(`loopsmith pipeline: ${(e as Error).message.split('\n')[0]}\n`);
          process.exit(e instanceof StageInputError ? 2 : 1);
        }
      },
    );
}

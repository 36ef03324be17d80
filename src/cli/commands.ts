// The table of top-level commands: name and one-line summary here, the command's flags and
// work in its own module, imported only when that command runs. `loopsmith --help` and
// `--version` therefore load commander and nothing else (start-up budget: bench/startup).
// Adding a command: one row here; commands.test.ts checks each row against its module.
import type { Command } from 'commander';

export interface CommandEntry {
  /** Top-level command names the module registers (a module may register several). */
  names: string[];
  /** One line per name, shown by `loopsmith --help` without importing the module. */
  summaries: string[];
  /** Registers the module's commands on the program. */
  load(): Promise<(program: Command) => void>;
}

export const COMMANDS: CommandEntry[] = [
  {
    names: ['run'],
    summaries: ['Run the coding agent on a task in a repository (sandboxed).'],
    load: async () => (await import('./run.js')).registerRun,
  },
  {
    names: ['acp'],
    summaries: ['Serve the Agent Client Protocol on stdio (for Zed, JetBrains IDEs, Neovim).'],
    load: async () => (await import('./acp.js')).registerAcp,
  },
  {
    names: ['sessions', 'resume'],
    summaries: [
      'List saved sessions of this repository, newest first.',
      'Continue a saved session: interactively in a terminal, else headless (with -m, or from where it stopped).',
    ],
    load: async () => (await import('./sessions.js')).registerSessions,
  },
  {
    names: ['tasks'],
    summaries: ['Generate, inspect, materialize and export verified coding tasks.'],
    load: async () => (await import('./tasks.js')).registerTasks,
  },
  {
    names: ['rollout', 'data', 'gateway'],
    summaries: [
      'Run n graded rollouts per task through the harness (resumable run directory).',
      'Training datasets from rollout runs and gateway traces',
      'Recording OpenAI-compatible proxy for RL trainers: harness base URL = http://HOST:PORT/rollout/{id}/v1',
    ],
    load: async () => (await import('./gym.js')).registerGym,
  },
  {
    names: ['lm'],
    summaries: ['The embedded model: tokenizer, init, generate, train, bench'],
    load: async () => (await import('./lm.js')).registerLm,
  },
  {
    names: ['export'],
    summaries: ['Export a checkpoint for other engines'],
    load: async () => (await import('./export.js')).registerExport,
  },
  {
    names: ['eval', 'compare', 'report', 'offline-data'],
    summaries: [
      'Evaluate a model on a suite through the harness and grader (resumable run directory).',
      'Compare two eval runs on their common tasks (McNemar exact, paired bootstrap, tokens).',
      'The report card (markdown or self-contained HTML) from stage outputs and eval runs.',
      "The ablation's format B: a rollout run's solutions as issue + code -> diff conversations (a run dir mid2 reads).",
    ],
    load: async () => (await import('./eval.js')).registerEval,
  },
  {
    names: ['train'],
    summaries: ['Train one stage of the recipe: induction, pretrain, midtrain, sft, mid2, rl'],
    load: async () => (await import('./train.js')).registerTrain,
  },
  {
    names: ['pipeline'],
    summaries: [
      'The whole recipe: tasks -> teacher -> induction -> pretrain -> midtrain -> sft -> mid2 -> rl -> held-out eval -> report',
    ],
    load: async () => (await import('./pipeline.js')).registerPipeline,
  },
  {
    names: ['doctor'],
    summaries: ['Check this machine (node, bubblewrap, cgroups, sqlite, onnxruntime, llama.cpp)'],
    load: async () => (await import('./doctor.js')).registerDoctor,
  },
];

/** The entry registering `name`, if any. */
export function findCommand(name: string | undefined): CommandEntry | undefined {
  return name === undefined ? undefined : COMMANDS.find((c) => c.names.includes(name));
}

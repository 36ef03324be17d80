// The root `loopsmith` with no command: in a terminal, an interactive session in the current
// repository. Only flags here; the session's modules are imported when it starts.
import type { Command } from 'commander';

export interface InteractiveFlags {
  repo?: string;
  model?: string;
  baseUrl?: string;
  sandbox?: string;
  maxTurns?: string;
  resume?: string;
  yes?: boolean;
  temperature?: string;
  topP?: string;
  seed?: string;
}

/** Root options and action: `loopsmith [--model X] [--resume ID|last]`. */
export function registerInteractive(program: Command): void {
  program
    // An unknown word reaches the action, which names it as an unknown command.
    .allowExcessArguments(true)
    .option('--repo <dir>', 'interactive: repository to work in (default: current directory)')
    .option('--model <spec>', 'interactive: model (as for run)')
    .option('--base-url <url>', 'interactive: OpenAI-compatible endpoint')
    .option('--sandbox <kind>', 'interactive: bwrap (default) or none (each command asked first)')
    .option('--max-turns <n>', 'interactive: turn limit per message')
    .option('--resume <id>', 'interactive: continue a saved session (an id, a prefix, or "last")')
    .option('--yes', 'interactive: with --sandbox none, run commands without asking')
    .option('--temperature <t>', 'interactive: sampling temperature (local models: default 0)')
    .option('--top-p <p>', 'interactive: nucleus sampling mass (local models: default 1)')
    .option('--seed <n>', 'interactive: sampling seed of local models (default 0)')
    .action(async (f: InteractiveFlags, cmd: Command) => {
      if (cmd.args.length) cmd.error(`error: unknown command '${cmd.args[0]}'`);
      if (!process.stdin.isTTY || !process.stdout.isTTY) {
        process.stderr.write(
          'loopsmith: no command given; in a terminal `loopsmith` opens an interactive session, otherwise use `loopsmith run TASK`\n',
        );
        cmd.outputHelp({ error: true });
        process.exit(2);
      }
      const { runInteractive } = await import('./index.js');
      process.exitCode = await runInteractive(f);
    });
}

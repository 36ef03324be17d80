#!/usr/bin/env node
// The `loopsmith` command. Thin, and lazy: only the module of the command being run is
// imported (see commands.ts), so `--version`, `--help` and the interactive prompt start fast.
import { Command } from 'commander';
import { VERSION } from '../version.js';
import { COMMANDS, findCommand } from './commands.js';
import { registerInteractive } from './interactive/command.js';

const program = new Command('loopsmith')
  .description('Lean agentic coding models, trained, evaluated and served inside one agent loop.')
  .version(VERSION)
  .showHelpAfterError()
  // Usage errors (unknown flag, missing argument) exit 2, like the harness's "usage" status.
  .exitOverride((err) => {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') process.exit(0);
    process.exit(2);
  });

const argv = process.argv.slice(2);
// `loopsmith help NAME` needs NAME's module too, to show its flags.
const wanted = findCommand(argv[0] === 'help' ? argv[1] : argv[0]);
if (wanted) {
  (await wanted.load())(program);
} else {
  // The root: no command opens the interactive session; --help lists the table's summaries.
  registerInteractive(program);
  for (const c of COMMANDS)
    c.names.forEach((name, i) => {
      program.command(name).description(c.summaries[i] ?? '');
    });
}

await program.parseAsync(process.argv);

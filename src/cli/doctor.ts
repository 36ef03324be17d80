// `loopsmith doctor`: prints one line per machine check and what to fix; exit 1 when a check
// fails (a main path cannot work), 0 otherwise (warnings only degrade).
import type { Command } from 'commander';
import { runChecks } from '../doctor/index.js';

/** Registers `doctor`. */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('Check this machine (node, bubblewrap, cgroups, sqlite, onnxruntime, llama.cpp)')
    .option('--json', 'one JSON array on stdout')
    .action(async (o: { json?: boolean }) => {
      const checks = await runChecks();
      if (o.json) console.log(JSON.stringify(checks));
      else
        for (const c of checks) {
          console.log(`${c.status.padEnd(4)}  ${c.name.padEnd(14)}  ${c.detail}`);
          if (c.fix) console.log(`${''.padEnd(22)}fix: ${c.fix}`);
        }
      process.exitCode = checks.some((c) => c.status === 'fail') ? 1 : 0;
    });
}

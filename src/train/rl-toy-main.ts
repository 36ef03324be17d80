// `node rl-toy-main.js FROM OUT STEPS [SLOW_MS]`: runRl on the toy environment in its own
// process, so the resume test can kill -9 it mid-step.

import { runRl } from './rl.js';
import { TOY_RL, toyEnv } from './rl-toy.js';

const [from, out, steps, slow] = process.argv.slice(2);
await runRl(
  { ...TOY_RL, from, tasks: '-', out, steps: Number(steps) },
  { env: toyEnv({ slowMs: Number(slow ?? 0) }), log: () => {} },
);

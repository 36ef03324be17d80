// Preloaded with `--import` into `tape` runs: instruments the repository's own tape
// (./tape-instrument.ts) so each test's outcome lands in loopsmith's report.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeReport } from './report.js';
import { instrumentTape } from './tape-instrument.js';

const self = fileURLToPath(new URL('.', import.meta.url));
const req = createRequire(join(process.cwd(), 'noop.js'));
let path: string | undefined;
try {
  path = req.resolve('tape');
} catch {
  // not a tape run after all: stay out of the way
}
if (path) instrumentTape(req.cache, path, req(path) as never, self, writeReport);

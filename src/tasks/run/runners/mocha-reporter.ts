// A mocha reporter (given by absolute path as `--reporter`) that writes loopsmith's report
// lines: exact title paths per test, whatever reporter the repository itself configures.
import { writeReport } from './report.js';

interface MochaTest {
  title: string;
  file?: string;
  titlePath(): string[];
  parent?: MochaTest;
}
interface MochaRunner {
  on(ev: string, fn: (t: MochaTest, err?: Error) => void): void;
}

function line(t: MochaTest, status: 'pass' | 'fail' | 'skip', err?: Error): void {
  let file = t.file;
  for (let p = t.parent; !file && p; p = p.parent) file = p.file;
  writeReport({ file: file ?? '<unknown>', titles: t.titlePath(), status, error: err?.message });
}

/** The reporter class mocha instantiates with its runner. */
export default class LoopsmithMochaReporter {
  constructor(runner: MochaRunner) {
    runner.on('pass', (t) => line(t, 'pass'));
    runner.on('pending', (t) => line(t, 'skip'));
    // A failing hook reports the hook itself: its tests never ran, so they count as failed
    // under the hook's suite path (the hook title names it).
    runner.on('fail', (t, err) => line(t, 'fail', err));
  }
}

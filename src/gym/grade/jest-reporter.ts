// The grading run's jest reporter (`--reporters`, loaded by jest's main process before any
// test runs): each test's result as loopsmith's report lines, handed to the run's seal
// (grade/seal.ts), which report.ts claims when this module loads. With workers the tests run
// in other processes and cannot reach this one; in band (one test file) they share it, and
// what they can still change is what jest tells its reporters (the canaries catch that). The
// grader cross-checks these lines against jest's own --json report file.
import { JEST_STATUS } from '../../tasks/run/parse/json-reporters.js';
import { writeReport } from '../../tasks/run/runners/report.js';

interface AssertionResult {
  ancestorTitles?: string[];
  title: string;
  status: string;
  failureMessages?: string[];
}
interface TestResult {
  testFilePath: string;
  testResults: AssertionResult[];
}

/** The reporter class jest instantiates. */
export default class LoopsmithGradeJestReporter {
  onTestResult(_test: unknown, result: TestResult): void {
    for (const a of result.testResults) {
      const status = JEST_STATUS[a.status] ?? 'fail';
      writeReport({
        file: result.testFilePath,
        titles: [...(a.ancestorTitles ?? []), a.title],
        status,
        ...(status === 'fail'
          ? { error: (a.failureMessages ?? []).join('\n') || 'test failed' }
          : {}),
      });
    }
  }
  getLastError(): undefined {
    return undefined;
  }
}

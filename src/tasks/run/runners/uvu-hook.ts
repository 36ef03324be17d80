// Preloaded with `--import` into uvu runs: uvu has no machine-readable reporter, so a module
// resolve hook hands test files a wrapped `uvu` whose suites record each test's outcome
// (file from the caller, suite name, test name) as loopsmith's report lines.
import { register } from 'node:module';
// Loaded now, before any test file: it claims the grading seal when there is one.
import './report.js';
import './uvu-require.js';

register(new URL('./uvu-resolve.js', import.meta.url));

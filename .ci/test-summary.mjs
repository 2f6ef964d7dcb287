// Prints `tests: N passed, N failed[, N skipped]` from vitest's JSON report.
// A test file that failed without a failed test (it did not load, a hook threw) counts as one failure.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.error(`test summary: no readable test report at ${file} (${err.message}); the test runner did not finish`);
  process.exit(1);
}
const failedFilesWithoutFailedTests = report.testResults.filter(
  (file) => file.status === 'failed' && !file.assertionResults.some((test) => test.status === 'failed'),
).length;
const passed = report.numPassedTests;
const failed = report.numFailedTests + failedFilesWithoutFailedTests;
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);

// Prints `tests: N passed, N failed[, N skipped]` from vitest's JSON report (test/support/jsonReport.ts).
// A test file that failed without a failed test (it did not load, a hook threw) counts as one
// failure, and so does each unhandled error. Before that line: each unhandled error, and why each
// skipped suite was skipped (its `[needs ...]`, test/support/machineSuite.ts).
// With `--floor FILE`: exits 1 when fewer tests ran than the floor kept in FILE (a glob or a skip
// that dropped tests); a test skipped for a stated need of the machine counts as run.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const [file, flag, floorFile] = process.argv.slice(2);
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.error(`test summary: no readable test report at ${file} (${err.message}); the test runner did not finish`);
  process.exit(1);
}
const unhandled = report.unhandledErrors;
if (!Array.isArray(unhandled)) {
  console.error(`test summary: ${file} has no unhandledErrors list; was it written by test/support/jsonReport.ts?`);
  process.exit(1);
}
for (const error of unhandled) console.log(`unhandled error: ${error}`);

const NEEDS = /\[needs ([^\]]+)\]/;
const skips = new Map();
for (const result of report.testResults) {
  for (const test of result.assertionResults.filter((t) => t.status === 'pending' || t.status === 'skipped' || t.status === 'todo')) {
    const needs = NEEDS.exec(test.fullName)?.[1];
    const key = `${path.relative(process.cwd(), result.name)}: ${needs ? `the machine lacks what it needs (${needs})` : 'no reason stated'}`;
    skips.set(key, { needs, count: (skips.get(key)?.count ?? 0) + 1 });
  }
}
for (const [key, { count }] of skips) console.log(`skipped ${count} test${count === 1 ? '' : 's'} of ${key}`);

const failedFilesWithoutFailedTests = report.testResults.filter(
  (file) => file.status === 'failed' && !file.assertionResults.some((test) => test.status === 'failed'),
).length;
const passed = report.numPassedTests;
const failed = report.numFailedTests + failedFilesWithoutFailedTests + unhandled.length;
const skipped = report.numPendingTests + report.numTodoTests;
const summary = `tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;

if (flag === '--floor') {
  const floor = Number(readFileSync(floorFile, 'utf8').split('\n').find((line) => /^\s*\d+\s*$/.test(line)));
  const skippedForNeeds = [...skips.values()].filter((s) => s.needs).reduce((n, s) => n + s.count, 0);
  const ran = report.numPassedTests + report.numFailedTests + skippedForNeeds;
  if (!Number.isInteger(floor)) {
    console.error(`test floor: ${floorFile} holds no number`);
    console.log(summary);
    process.exit(1);
  }
  if (ran < floor) {
    console.log(`test floor: ${ran} tests ran (skips for a need of the machine included), the floor in ${floorFile} is ${floor}: tests were dropped (a glob, a file that no longer loads its tests, a skip)`);
    console.log(summary);
    process.exit(1);
  }
  console.log(`test floor: ${ran} tests ran, at least the ${floor} of ${floorFile}`);
}
console.log(summary);

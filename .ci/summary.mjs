// Prints one "N passed, N failed" line per vitest JSON report and a total line last.
// A missing report (the runner died before writing it) counts as a failure.
import { readFileSync } from 'node:fs';

const failures = [];
let passed = 0;
let failed = 0;
let skipped = 0;
for (const arg of process.argv.slice(2)) {
  const [, name, path] = /^([^=]+)=(.*)$/.exec(arg) ?? [];
  let report;
  try {
    report = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    console.log(`${name}: no report (the runner did not finish)`);
    failed += 1;
    continue;
  }
  const s = report.numPendingTests + report.numTodoTests;
  // A file that failed without a failing test (load error, failing hook) counts as one failure.
  const brokenFiles = report.testResults.filter(
    (file) => file.status === 'failed' && !file.assertionResults.some((t) => t.status === 'failed'),
  ).length;
  const f = report.numFailedTests + brokenFiles;
  for (const file of report.testResults) {
    const where = file.name.replace(`${process.cwd()}/`, '');
    const failedTests = file.assertionResults.filter((t) => t.status === 'failed');
    if (file.status === 'failed' && failedTests.length === 0) failures.push(`${name}: ${where}: ${firstLine(file.message)}`);
    for (const t of failedTests) failures.push(`${name}: ${where} > ${t.fullName}: ${firstLine(t.failureMessages?.[0])}`);
  }
  console.log(`${name}: ${report.numPassedTests} passed, ${f} failed, ${s} skipped`);
  passed += report.numPassedTests;
  failed += f;
  skipped += s;
}
// Named just above the totals so a log that keeps only its tail still says what failed.
for (const line of failures) console.log(`FAILED ${line}`);
console.log(`total: ${passed} passed, ${failed} failed, ${skipped} skipped`);

function firstLine(text) {
  return String(text ?? '').split('\n', 1)[0].slice(0, 300);
}

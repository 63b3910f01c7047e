// Prints "N passed, N failed, N skipped" from vitest's JSON report; fails when the report is missing or ran no test.
import { readFileSync } from "node:fs";

interface Report {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  numTotalTests: number;
}

const file = process.argv[2] ?? "reports/vitest.json";
let report: Report;
try {
  report = JSON.parse(readFileSync(file, "utf8")) as Report;
} catch (error) {
  console.log(`test-summary: no readable report at ${file}: ${String(error)}`);
  console.log("0 passed, 1 failed, 0 skipped");
  process.exit(1);
}
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`);
if (report.numFailedTests > 0) process.exit(1);
if (report.numPassedTests === 0) {
  console.log("test-summary: no test ran");
  process.exit(1);
}

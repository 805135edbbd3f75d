// `npm test`: the whole suite, in the order a failure is cheapest to find: typecheck, lint,
// build, unit + integration (vitest), end to end (Playwright in Chromium). Each runner prints its
// own summary; the last line adds them up as "N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

mkdirSync('test-results', { recursive: true });
const totals = { passed: 0, failed: 0, skipped: 0 };
const failedSteps = [];

function step(name, cmd, args) {
  console.log(`\n=== ${name}: ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
  if (r.status !== 0) failedSteps.push(name);
  return r.status === 0;
}

const readJson = (p) => (existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')) : null);

step('typecheck', 'npx', ['tsc', '-b']);
step('lint', 'npm', ['run', 'lint', '--silent']);
step('build', 'npm', ['run', 'build', '--silent']);

rmSync('test-results/vitest.json', { force: true });
rmSync('test-results/vitest-outcome.json', { force: true });
step('unit and integration (vitest)', 'npx', [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  '--outputFile.json=test-results/vitest.json',
  '--reporter=./test/support/run-outcome-reporter.ts',
]);
const v = readJson('test-results/vitest.json');
if (v) {
  totals.passed += v.numPassedTests;
  totals.failed += v.numFailedTests;
  totals.skipped += v.numPendingTests + (v.numTodoTests ?? 0);
} else failedSteps.push('vitest report missing');
// vitest's exit status can be 0 after a failure (see run-outcome-reporter.ts): judge by its verdict.
const outcome = readJson('test-results/vitest-outcome.json');
if (!outcome) failedSteps.push('vitest outcome missing');
else if (outcome.reason !== 'passed' || outcome.unhandledErrors || outcome.failedFiles.length) {
  const files = outcome.failedFiles.length ? `: ${outcome.failedFiles.join(', ')}` : '';
  failedSteps.push(`vitest ${outcome.reason}, ${outcome.unhandledErrors} unhandled error(s)${files}`);
}

rmSync('test-results/e2e-results.json', { force: true });
step('end to end (Playwright, Chromium)', 'npx', ['playwright', 'test', '-c', 'test/e2e/playwright.config.ts']);
const e = readJson('test-results/e2e-results.json');
if (e) {
  totals.passed += e.stats.expected + e.stats.flaky;
  if (e.stats.flaky) console.log(`\nflaky (passed on retry): ${e.stats.flaky} — ${flakyTitles(e).join('; ')}`);
  totals.failed += e.stats.unexpected;
  totals.skipped += e.stats.skipped;
} else failedSteps.push('playwright report missing');

console.log(`\n${failedSteps.length ? `Failed steps: ${failedSteps.join(', ')}` : 'All steps passed.'}`);
console.log(`total: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failedSteps.length || totals.failed ? 1 : 0);

/** Titles of the e2e tests that passed only on their retry, so that a flake is named, not hidden. */
function flakyTitles(report) {
  const out = [];
  const walk = (suite) => {
    for (const spec of suite.specs ?? [])
      for (const t of spec.tests ?? []) if (t.status === 'flaky') out.push(`${spec.file}: ${spec.title}`);
    for (const child of suite.suites ?? []) walk(child);
  };
  for (const s of report.suites ?? []) walk(s);
  return out;
}

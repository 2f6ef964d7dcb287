import { REPORT_PACE_VARIABLE } from '../../activities/graph/reportBudget';
import { REPORTS_WINDOW_MS, type ThrottlingOptions } from '../../simulator/traffic/throttle';

/**
 * Report requests (directoryAudits, signIns) are paced at 4 per 12.5 s against Graph's 5 per 10 s.
 * A test that is not about that pace may run both sides this much faster: the workers' window and
 * the simulator's reports window shrink together, so the limit stays exactly as strict relative to
 * the connector's pace (docs/testing.md, "Report pacing in tests"). Never for tests of the pace.
 */
export const TEST_REPORT_PACE = 0.2;

/** The simulator's throttling with the reports window shortened by TEST_REPORT_PACE. */
export const fastReportsThrottling: ThrottlingOptions = { reportsWindowMs: REPORTS_WINDOW_MS * TEST_REPORT_PACE };

/** The environment of worker processes that pace reports TEST_REPORT_PACE times Graph's pace. */
export const fastReportsWorkerEnv: Record<string, string> = { [REPORT_PACE_VARIABLE]: String(TEST_REPORT_PACE) };

/**
 * For a test file whose workers run in its own process (SyncHarness, createDiscoveryWorker): paces
 * them fast, and returns the simulator throttling to match.
 */
export function paceReportsFast(): ThrottlingOptions {
  Object.assign(process.env, fastReportsWorkerEnv);
  return fastReportsThrottling;
}

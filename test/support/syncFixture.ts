import { afterAll, beforeAll } from 'vitest';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../simulator/server';
import { paceReportsFast } from './fastReports';
import { SyncHarness } from './syncHarness';
import { TEST_TLS_DIR } from './testTls';

export type SyncFixture = { sim: RunningSimulator; harness: SyncHarness };

/**
 * For a test file that syncs end to end: before all its tests, an HTTPS Graph simulator and a
 * sync harness (worker, fresh database, connector) pointed at it; after them, both stopped.
 * `configure` adjusts the simulator before the harness starts; `ready` hands both over.
 * Report requests run at the tests' faster pace on both sides (test/support/fastReports.ts): a test
 * of the pace itself starts its own simulator and harness with Graph's (test/reportsBudget.test.ts).
 */
export function useSyncFixture(
  simulator: Omit<SimulatorOptions, 'tlsDir'>,
  ready: (fixture: SyncFixture) => void,
  configure?: (sim: RunningSimulator) => void,
): void {
  let sim: RunningSimulator | undefined;
  let harness: SyncHarness | undefined;
  beforeAll(async () => {
    const fast = paceReportsFast();
    const throttling = simulator.throttling === false ? false : { ...fast, ...(typeof simulator.throttling === 'object' ? simulator.throttling : {}) };
    sim = await startSimulator({ tlsDir: TEST_TLS_DIR, ...simulator, throttling });
    configure?.(sim);
    harness = await SyncHarness.start(sim.config);
    ready({ sim, harness });
  });
  afterAll(async () => {
    await harness?.stop();
    await sim?.close();
  });
}

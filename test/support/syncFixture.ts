import { afterAll, beforeAll } from 'vitest';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../simulator/server';
import { SyncHarness } from './syncHarness';
import { TEST_TLS_DIR } from './testTls';

export type SyncFixture = { sim: RunningSimulator; harness: SyncHarness };

/**
 * For a test file that syncs end to end: before all its tests, an HTTPS Graph simulator and a
 * sync harness (worker, fresh database, connector) pointed at it; after them, both stopped.
 * `configure` adjusts the simulator before the harness starts; `ready` hands both over.
 */
export function useSyncFixture(
  simulator: Omit<SimulatorOptions, 'tlsDir'>,
  ready: (fixture: SyncFixture) => void,
  configure?: (sim: RunningSimulator) => void,
): void {
  let sim: RunningSimulator | undefined;
  let harness: SyncHarness | undefined;
  beforeAll(async () => {
    sim = await startSimulator({ tlsDir: TEST_TLS_DIR, ...simulator });
    configure?.(sim);
    harness = await SyncHarness.start(sim.config);
    ready({ sim, harness });
  });
  afterAll(async () => {
    await harness?.stop();
    await sim?.close();
  });
}

import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { spawnWorkerProcess, waitForPoller, type WorkerProcess } from '../client/dev/workerProcess';
import type { RunningSimulator } from '../simulator/server';

/**
 * Starts the sync worker as production runs it (compiled, when built), on task queue `bench`,
 * syncing the simulator's tenant, and a client of the dev server; resolves once the worker polls.
 * Each is stopped by `stops`, last started first.
 */
export async function startBenchWorker(
  o: { sim: RunningSimulator; databaseUrl: string; temporalAddress: string; scratch: string },
  stops: Array<() => Promise<unknown>>,
): Promise<{ worker: WorkerProcess; client: Client }> {
  const { sim } = o;
  const worker = await spawnWorkerProcess(
    'syncWorker.ts',
    {
      ...process.env,
      DATABASE_URL: o.databaseUrl,
      TEMPORAL_ADDRESS: o.temporalAddress,
      TEMPORAL_TASK_QUEUE: 'bench',
      ENTRA_TENANT_ID: sim.config.tenantId,
      ENTRA_CLIENT_ID: sim.config.clientId,
      ENTRA_CLIENT_SECRET: sim.config.clientSecret,
      ENTRA_GRAPH_BASE_URL: sim.config.graphBaseUrl,
      ENTRA_AUTHORITY_HOST: sim.config.authorityHost,
      NODE_EXTRA_CA_CERTS: sim.config.caCertPath,
      LOG_LEVEL: 'warn',
    },
    path.join(o.scratch, 'logs'),
  );
  stops.push(() => worker.stop());
  const connection = await Connection.connect({ address: o.temporalAddress });
  stops.push(() => connection.close());
  const client = new Client({ connection });
  await waitForPoller(client, 'default', 'bench', worker);
  return { worker, client };
}

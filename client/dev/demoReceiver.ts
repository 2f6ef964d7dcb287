import path from 'node:path';
import { freePort, isPortOpen } from '../../shared/freePort';
import { spawnReceiverProcess, type ReceiverProcess } from './receiverProcess';

const DEFAULT_PORT = 8490;
const DEFAULT_METRICS_PORT = 9466;

/** RECEIVER_PORT and RECEIVER_METRICS_PORT when set; else the defaults, or any free port when one is taken. */
async function portFor(variable: string | undefined, fallback: number): Promise<number> {
  if (variable && Number(variable) > 0) return Number(variable);
  return (await isPortOpen(fallback)) ? freePort() : fallback;
}

/**
 * The demo's notification receiver: its own process on loopback, serving HTTPS with the
 * simulator's certificate (the simulated Graph verifies it as Graph verifies a public one), its
 * spool in the data folder. `env`: what the workers get (database, Temporal, task queue) and the
 * encryption key the subscriptions' clientStates are sealed with.
 */
export async function startDemoReceiver(
  env: NodeJS.ProcessEnv,
  dataDir: string,
  tls: { certPath: string; keyPath: string },
): Promise<ReceiverProcess> {
  return spawnReceiverProcess({
    env,
    port: await portFor(process.env.RECEIVER_PORT, DEFAULT_PORT),
    metricsPort: await portFor(process.env.RECEIVER_METRICS_PORT, DEFAULT_METRICS_PORT),
    spoolDir: process.env.RECEIVER_SPOOL_DIR ?? path.join(dataDir, 'receiver-spool'),
    tls,
    logDir: path.join(dataDir, 'logs'),
  });
}

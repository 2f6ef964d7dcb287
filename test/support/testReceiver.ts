import { loadKeyRing } from '../../activities/secrets/secretCipher';
import { startReceiver, type Receiver } from '../../receiver/receiver';
import { ensureSelfSignedCertificate } from '../../simulator/tls';
import { createLogger } from '../../workers/logger';
import { TEST_TLS_DIR } from './testTls';

export type TestReceiverOptions = {
  databaseUrl: string;
  /** ENTRA_SYNC_ENCRYPTION_KEY the subscriptions' clientStates were sealed with. */
  key: string;
  temporalAddress: string;
  /** The sync workers' task queue: the tails it wakes run there. */
  taskQueue: string;
  /** A fixed port, so a receiver started again after an outage is at the URL Graph has. */
  port: number;
  spoolDir: string;
};

/**
 * The production receiver (receiver/receiver.ts) in the test's process, serving HTTPS on loopback
 * with the certificate every test process trusts (vitest.config.ts), so the simulator delivers to
 * it as Graph delivers to a public endpoint. `url` is what a subscription's notificationUrl is.
 */
export async function startTestReceiver(o: TestReceiverOptions): Promise<Receiver & { notificationUrl: string }> {
  const { certPath, keyPath } = await ensureSelfSignedCertificate(TEST_TLS_DIR);
  const receiver = await startReceiver({
    port: o.port,
    host: '127.0.0.1',
    tls: { certPath, keyPath },
    maxBodyBytes: 1024 * 1024,
    spoolDir: o.spoolDir,
    databaseUrl: o.databaseUrl,
    keys: loadKeyRing({ ENTRA_SYNC_ENCRYPTION_KEY: o.key })!,
    temporal: { address: o.temporalAddress, namespace: 'default', taskQueue: o.taskQueue, security: { tls: false } },
    log: createLogger('error').child({ component: 'receiver' }),
  });
  return Object.assign(receiver, { notificationUrl: `https://localhost:${o.port}/notifications` });
}

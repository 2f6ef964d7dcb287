import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, inject } from 'vitest';
import { loadKeyRing, type KeyRing } from '../../activities/secrets/secretCipher';
import { startReceiver, type Receiver } from '../../receiver/receiver';
import { freePort } from '../../shared/freePort';
import { notificationUrls, type NotificationUrls } from '../../shared/notificationUrls';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../simulator/server';
import { ensureSelfSignedCertificate } from '../../simulator/tls';
import type { Logger } from '../../workers/logger';
import { paceReportsFast } from './fastReports';
import { SyncHarness } from './syncHarness';
import { TEST_TLS_DIR } from './testTls';

export type NotificationStack = { sim: RunningSimulator; harness: SyncHarness; receiver: Receiver; keys: KeyRing; urls: NotificationUrls };

/**
 * For a test file of the subscription manager: the HTTPS simulator, a sync harness whose worker has
 * ENTRA_NOTIFICATION_URL set, and the real receiver (in this process, HTTPS on the test
 * certificate) at that URL, recording into the harness's database and signalling its task queue.
 */
export function useNotificationStack(
  simulator: Omit<SimulatorOptions, 'tlsDir'>,
  ready: (stack: NotificationStack) => void,
  options: { checkEverySeconds?: number } = {},
): void {
  let stack: NotificationStack | undefined;
  let spoolDir: string | undefined;
  beforeAll(async () => {
    const throttling = paceReportsFast();
    const sim = await startSimulator({ tlsDir: TEST_TLS_DIR, ...simulator, throttling });
    const keys = loadKeyRing({ ENTRA_SYNC_ENCRYPTION_KEY: randomBytes(32).toString('base64') })!;
    // The receiver's port is chosen first: the worker needs its URL, the receiver the worker's database.
    const port = await freePort();
    const urls = notificationUrls(`https://localhost:${port}`);
    const harness = await SyncHarness.start(sim.config, { keys, notifications: { urls, keys, ...(options.checkEverySeconds ? { checkEverySeconds: options.checkEverySeconds } : {}) } });
    const certificate = await ensureSelfSignedCertificate(TEST_TLS_DIR);
    spoolDir = await mkdtemp(path.join(os.tmpdir(), 'manager-spool-'));
    const receiver = await startReceiver({
      port,
      host: '127.0.0.1',
      tls: { certPath: certificate.certPath, keyPath: certificate.keyPath },
      maxBodyBytes: 1024 * 1024,
      spoolDir,
      databaseUrl: harness.databaseUrl,
      keys,
      temporal: { address: inject('temporalAddress'), namespace: 'default', taskQueue: harness.taskQueue, security: { tls: false } },
      log: pino({ level: 'silent' }) as unknown as Logger,
      timing: { forwardIntervalMs: 50, unknownTtlMs: 200 },
    });
    stack = { sim, harness, receiver, keys, urls };
    ready(stack);
  });
  afterAll(async () => {
    await stack?.receiver.close();
    await stack?.harness.stop();
    await stack?.sim.close();
    if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
  });
}

import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawnReceiverProcess, type ReceiverProcess } from '../client/dev/receiverProcess';
import { freePort } from '../shared/freePort';
import { ensureSelfSignedCertificate } from '../simulator/tls';
import type { Deployment } from './stack';

/**
 * A deployment's notification receiver (`npm run receiver` as its own process), on fixed ports and
 * a spool of its own, so it can be killed and started again at the URL Graph has. It serves HTTPS
 * with the simulator's certificate, which the simulated Graph trusts as Graph trusts a public one.
 */
export class NotificationPath {
  private constructor(
    private readonly d: Deployment,
    private readonly ports: { port: number; metricsPort: number },
    private readonly dirs: { spoolDir: string; logDir: string },
    private readonly tls: { certPath: string; keyPath: string },
    private process: ReceiverProcess | undefined,
  ) {}

  static async start(d: Deployment): Promise<NotificationPath> {
    const { certPath, keyPath } = await ensureSelfSignedCertificate(path.dirname(d.sim.config.caCertPath));
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'entra-sync-receiver-'));
    const created = new NotificationPath(
      d,
      { port: await freePort(), metricsPort: await freePort() },
      { spoolDir: path.join(scratch, 'spool'), logDir: path.join(scratch, 'logs') },
      { certPath, keyPath },
      undefined,
    );
    await created.startReceiver();
    return created;
  }

  /** The URL the connector's subscriptions deliver to (ENTRA_NOTIFICATION_URL). */
  get notificationUrl(): string {
    return `https://localhost:${this.ports.port}/notifications`;
  }

  get metricsUrl(): string {
    return `http://127.0.0.1:${this.ports.metricsPort}`;
  }

  async startReceiver(): Promise<void> {
    this.process = await spawnReceiverProcess({
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: this.d.databaseUrl,
        TEMPORAL_ADDRESS: this.d.temporalAddress,
        TEMPORAL_TASK_QUEUE: this.d.syncTaskQueue,
        ENTRA_SYNC_ENCRYPTION_KEY: this.d.encryptionKey,
        LOG_LEVEL: 'warn',
      },
      ...this.ports,
      ...this.dirs,
      tls: this.tls,
    });
  }

  /** SIGKILL, as a lost host would end it. */
  async killReceiver(): Promise<void> {
    await this.process?.kill();
    this.process = undefined;
  }

  async stop(): Promise<void> {
    await this.process?.stop();
    this.process = undefined;
  }
}

import { spawn } from 'node:child_process';
import { mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopChild } from './temporalDevServer';

export type ReceiverProcess = {
  pid: number;
  /** Where Graph posts change notifications: https://localhost:PORT/notifications (http:// without TLS). */
  notificationUrl: string;
  /** /healthz and /metrics (internal port). */
  metricsUrl: string;
  logFile: string;
  exited: Promise<number | null>;
  /** SIGTERM (the receiver seals its spool), SIGKILL after a grace period. */
  stop: () => Promise<void>;
  /** SIGKILL, as a lost host would end it; resolves once the process is gone. */
  kill: () => Promise<void>;
};

export type ReceiverProcessOptions = {
  /** DATABASE_URL, TEMPORAL_*, ENTRA_SYNC_ENCRYPTION_KEY and anything else the receiver reads. */
  env: NodeJS.ProcessEnv;
  port: number;
  metricsPort: number;
  spoolDir: string;
  /** PEM files: the receiver serves HTTPS itself (docs/notifications.md, "HTTPS"). */
  tls?: { certPath: string; keyPath: string };
  logDir: string;
  startTimeoutMs?: number;
};

/**
 * `npm run receiver` as its own process on loopback (receiver/main.ts through tsx, as the npm
 * script runs it), its log in `logDir`; resolves once its health endpoint answers.
 */
export async function spawnReceiverProcess(options: ReceiverProcessOptions): Promise<ReceiverProcess> {
  await mkdir(options.logDir, { recursive: true });
  const logFile = path.join(options.logDir, 'receiver.log');
  const log = await open(logFile, 'a');
  const entry = fileURLToPath(new URL('../../receiver/main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: {
      ...options.env,
      RECEIVER_PORT: String(options.port),
      RECEIVER_HOST: '127.0.0.1',
      RECEIVER_METRICS_PORT: String(options.metricsPort),
      METRICS_HOST: '127.0.0.1',
      RECEIVER_SPOOL_DIR: options.spoolDir,
      ...(options.tls ? { RECEIVER_TLS_CERT: options.tls.certPath, RECEIVER_TLS_KEY: options.tls.keyPath } : {}),
    },
    stdio: ['ignore', log.fd, log.fd],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.finally(() => log.close().catch(() => undefined));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const metricsUrl = `http://127.0.0.1:${options.metricsPort}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  for (;;) {
    if (exitCode !== undefined) {
      const tail = (await readFile(logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-5).join('\n');
      throw new Error(`the notification receiver exited with code ${exitCode} before it listened:\n${tail}`);
    }
    const healthy = await fetch(`${metricsUrl}/healthz`).then((r) => r.ok, () => false);
    if (healthy) break;
    if (Date.now() > deadline) {
      await stopChild(child, exited);
      throw new Error(`the notification receiver did not answer ${metricsUrl}/healthz within ${(options.startTimeoutMs ?? 60_000) / 1000}s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    pid: child.pid!,
    notificationUrl: `${options.tls ? 'https' : 'http'}://localhost:${options.port}/notifications`,
    metricsUrl,
    logFile,
    exited,
    stop: () => stopChild(child, exited),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

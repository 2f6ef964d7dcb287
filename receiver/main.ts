import { ConfigError } from '../shared/config';
import { createLogger } from '../workers/logger';
import { loadReceiverConfig } from './receiverConfig';
import { startReceiver } from './receiver';

/** `npm run receiver`: Graph's change and lifecycle notifications in, connector tails woken (docs/notifications.md). */
async function main(): Promise<void> {
  let config;
  try {
    config = loadReceiverConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.logLevel).child({ component: 'receiver' });
  const receiver = await startReceiver({ ...config, log });
  log.info(
    { url: receiver.url, metricsUrl: receiver.metricsUrl, tls: Boolean(config.tls), spoolDir: config.spoolDir, temporal: config.temporal.address },
    'notification receiver listening: POST /notifications, POST /lifecycle',
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping the receiver');
    receiver.close().then(
      () => process.exit(0),
      (err: Error) => {
        log.error({ err: err.message }, 'stopping the receiver failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});

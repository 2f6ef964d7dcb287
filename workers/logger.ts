import pino from 'pino';

/** JSON lines on stderr, so stdout stays free for the summaries a command prints. */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info') {
  return pino({ level, base: { service: 'entra-sync' } }, pino.destination(2));
}

export type Logger = ReturnType<typeof createLogger>;

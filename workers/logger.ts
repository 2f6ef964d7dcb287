import pino from 'pino';

/** JSON lines on stderr, so stdout stays free for the summaries a command prints. */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info') {
  return pino({ level, base: { service: 'entra-sync' } }, pino.destination(2));
}

export type Logger = ReturnType<typeof createLogger>;

const SDK_LEVELS = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;
type SdkLevel = keyof typeof SDK_LEVELS;

/**
 * The Temporal SDK's logger (Runtime.install({ logger })) writing through pino, so worker, activity
 * and workflow log lines are JSON too, with the SDK's fields (workflowId, activityType, ...).
 */
export function sdkLogger(log: Logger) {
  const write = (level: SdkLevel, message: string, meta?: Record<string | symbol, unknown>) =>
    log[SDK_LEVELS[level] ?? 'info'](Object.fromEntries(Object.entries(meta ?? {}).map(([k, v]) => [k, v instanceof Error ? describeError(v) : v])), message);
  return {
    log: write,
    trace: (message: string, meta?: Record<string | symbol, unknown>) => write('TRACE', message, meta),
    debug: (message: string, meta?: Record<string | symbol, unknown>) => write('DEBUG', message, meta),
    info: (message: string, meta?: Record<string | symbol, unknown>) => write('INFO', message, meta),
    warn: (message: string, meta?: Record<string | symbol, unknown>) => write('WARN', message, meta),
    error: (message: string, meta?: Record<string | symbol, unknown>) => write('ERROR', message, meta),
  };
}

/** Errors as JSON: pino would print an Error in a field other than `err` as {}. */
function describeError(err: Error): Record<string, unknown> {
  const failure = err as Error & { type?: string; nonRetryable?: boolean; cause?: unknown };
  return {
    name: err.name,
    message: err.message,
    ...(failure.type ? { type: failure.type } : {}),
    ...(failure.nonRetryable !== undefined ? { nonRetryable: failure.nonRetryable } : {}),
    ...(failure.cause instanceof Error ? { cause: describeError(failure.cause) } : {}),
    stack: err.stack,
  };
}

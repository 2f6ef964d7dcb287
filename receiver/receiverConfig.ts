import path from 'node:path';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../shared/config';
import type { TemporalSecurity } from '../shared/temporalSecurity';
import { loadKeyRing, SECRET_KEY_VARIABLES, type KeyRing, KEY_FORM } from '../activities/secrets/secretCipher';
import { loadMetricsConfig, type MetricsConfig } from '../workers/metrics';

export type ReceiverConfig = {
  port: number;
  host: string;
  /** PEM files: when both are set the receiver terminates TLS itself; else it speaks HTTP behind a TLS proxy. */
  tls?: { certPath: string; keyPath: string };
  maxBodyBytes: number;
  spoolDir: string;
  metrics: MetricsConfig;
  databaseUrl: string;
  keys: KeyRing;
  temporal: { address: string; namespace: string; taskQueue: string; security: TemporalSecurity };
  logLevel: string;
};

const port = (name: string, fallback: number) =>
  z
    .string()
    .trim()
    .default(String(fallback))
    .transform((value, ctx) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0 || n > 65_535) {
        ctx.addIssue({ code: 'custom', message: `${name}="${value}" is not a port; use a number from 0 to 65535` });
        return z.NEVER;
      }
      return n;
    });

const ReceiverEnv = z.object({
  RECEIVER_PORT: port('RECEIVER_PORT', 8490),
  RECEIVER_HOST: z.string().trim().min(1).default('0.0.0.0'),
  RECEIVER_TLS_CERT: z.string().trim().optional(),
  RECEIVER_TLS_KEY: z.string().trim().optional(),
  RECEIVER_MAX_BODY_BYTES: z
    .string()
    .trim()
    .default(String(1024 * 1024))
    .transform((value, ctx) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1024) {
        ctx.addIssue({ code: 'custom', message: `RECEIVER_MAX_BODY_BYTES="${value}" must be a whole number of bytes, at least 1024` });
        return z.NEVER;
      }
      return n;
    }),
  RECEIVER_SPOOL_DIR: z.string().trim().optional(),
  RECEIVER_METRICS_PORT: z.string().trim().default('9466'),
});

/** The receiver's settings: its own RECEIVER_* variables plus the database, Temporal and key variables every entra-sync process reads. */
export function loadReceiverConfig(env: NodeJS.ProcessEnv = process.env): ReceiverConfig {
  const base = loadConfig(env);
  const parsed = ReceiverEnv.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => i.message);
  if (!base.databaseUrl) problems.push('DATABASE_URL is not set: the receiver reads subscriptions from and records notifications in PostgreSQL');
  const keys = loadKeyRing(env);
  if (!keys) problems.push(`${SECRET_KEY_VARIABLES.current} is not set: the receiver needs the key that sealed the subscriptions' clientState (${KEY_FORM})`);
  const e = parsed.data;
  if (e && Boolean(e.RECEIVER_TLS_CERT) !== Boolean(e.RECEIVER_TLS_KEY)) {
    problems.push('RECEIVER_TLS_CERT and RECEIVER_TLS_KEY go together: set both for the receiver to serve HTTPS itself, or neither behind a TLS proxy');
  }
  let metrics: MetricsConfig | undefined;
  try {
    metrics = loadMetricsConfig({ ...env, METRICS_PORT: e?.RECEIVER_METRICS_PORT ?? '9466' });
  } catch (err) {
    problems.push(...(err instanceof ConfigError ? err.problems.map((p) => p.replace('METRICS_PORT', 'RECEIVER_METRICS_PORT')) : [(err as Error).message]));
  }
  if (problems.length || !e || !keys || !metrics || !base.databaseUrl) throw new ConfigError(problems);
  return {
    port: e.RECEIVER_PORT,
    host: e.RECEIVER_HOST,
    ...(e.RECEIVER_TLS_CERT && e.RECEIVER_TLS_KEY ? { tls: { certPath: e.RECEIVER_TLS_CERT, keyPath: e.RECEIVER_TLS_KEY } } : {}),
    maxBodyBytes: e.RECEIVER_MAX_BODY_BYTES,
    spoolDir: path.resolve(e.RECEIVER_SPOOL_DIR || path.join(base.dataDir, 'receiver-spool')),
    metrics,
    databaseUrl: base.databaseUrl,
    keys,
    temporal: {
      address: base.temporal.address ?? 'localhost:7233',
      namespace: base.temporal.namespace,
      taskQueue: base.temporal.taskQueue,
      security: base.temporal.security,
    },
    logLevel: base.logLevel,
  };
}

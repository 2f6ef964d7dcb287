import path from 'node:path';
import { z } from 'zod';
import { DISCOVERY_TASK_QUEUE, SYNC_TASK_QUEUE } from '../workflows/taskQueues';
import { DURATION_FORM, parseDuration } from './duration';
import type { DatabaseLimits } from '../activities/store/database';
import { readTemporalSecurity, type TemporalSecurity } from './temporalSecurity';
import { CLOUD_NAMES, cloudNamed, resolveEndpoints, type CloudName } from './clouds';
import { envCredential, type EnvCredential } from './envCredential';
import { notificationUrlProblem } from './notificationUrls';
import { workerDeploymentProblems, type WorkerDeployment } from './workerDeployment';

export const MICROSOFT_GRAPH_BASE_URL = 'https://graph.microsoft.com/v1.0';
export const MICROSOFT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const duration = (name: string, fallback: string) =>
  z
    .string()
    .trim()
    .default(fallback)
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `${name}="${value}" is not a duration; use ${DURATION_FORM}` });
        return z.NEVER;
      }
      return ms;
    });

const booleanFlag = (name: string) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .default('false')
    .transform((value, ctx) => {
      if (['true', '1', 'yes', 'on'].includes(value)) return true;
      if (['false', '0', 'no', 'off', ''].includes(value)) return false;
      ctx.addIssue({ code: 'custom', message: `${name}="${value}" is not a boolean; use true or false` });
      return z.NEVER;
    });

/** Optional: unset leaves the choice to ENTRA_CLOUD (then the public cloud); `example` only shows the form. */
const httpsUrl = (name: string, example: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (!value) return undefined;
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: `${name}="${value}" is not a URL; use a form like ${example}` });
        return z.NEVER;
      }
      if (url.protocol !== 'https:') {
        ctx.addIssue({
          code: 'custom',
          message: `${name}="${value}" must use https: Microsoft's auth and Graph libraries refuse plain http`,
        });
        return z.NEVER;
      }
      return value.replace(/\/+$/, '');
    });

const integer = (name: string, fallback: number, min: number) =>
  z
    .string()
    .trim()
    .default(String(fallback))
    .transform((value, ctx) => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < min) {
        ctx.addIssue({ code: 'custom', message: `${name}="${value}" must be a whole number of at least ${min}` });
        return z.NEVER;
      }
      return n;
    });

const EnvSchema = z
  .object({
    TEMPORAL_ADDRESS: optionalText,
    TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().trim().min(1).default(SYNC_TASK_QUEUE),
    TEMPORAL_DISCOVERY_TASK_QUEUE: z.string().trim().min(1).default(DISCOVERY_TASK_QUEUE),
    TEMPORAL_UI_URL: optionalText,
    TEMPORAL_CLI_PATH: optionalText,
    DATABASE_URL: optionalText,
    ENTRA_TENANT_ID: optionalText,
    ENTRA_CLIENT_ID: optionalText,
    ENTRA_CLIENT_SECRET: optionalText,
    // How the ENTRA_* connector authenticates; @azure/identity's own variable names where it has them.
    ENTRA_CREDENTIAL: optionalText,
    AZURE_CLIENT_CERTIFICATE_PATH: optionalText,
    AZURE_CLIENT_CERTIFICATE_PASSWORD: z.string().optional(),
    AZURE_FEDERATED_TOKEN_FILE: optionalText,
    ENTRA_CLOUD: optionalText,
    ENTRA_DISCOVERY_ENABLED: booleanFlag('ENTRA_DISCOVERY_ENABLED'),
    ENTRA_DISCOVERY_START_TIMEOUT: duration('ENTRA_DISCOVERY_START_TIMEOUT', '5m'),
    ENTRA_AUDIT_OVERLAP: duration('ENTRA_AUDIT_OVERLAP', '1h'),
    ENTRA_RECONCILE_FULL_EVERY: duration('ENTRA_RECONCILE_FULL_EVERY', '1d'),
    // At least one page per audit query (10, activities/auditSources.ts) and one for backfill.
    ENTRA_AUDIT_PAGES_PER_RUN: integer('ENTRA_AUDIT_PAGES_PER_RUN', 20, 11),
    // Flat worker memory (workers/heapGrowth.ts, docs/BENCHMARKS.md "Worker memory at 100,000 users").
    ENTRA_WORKER_HEAP_GROWTH_PERCENT: integer('ENTRA_WORKER_HEAP_GROWTH_PERCENT', 20, 0),
    // Worker Versioning of the sync and discovery workers (shared/workerDeployment.ts): both or neither.
    ENTRA_WORKER_DEPLOYMENT: optionalText,
    ENTRA_WORKER_BUILD_ID: optionalText,
    ENTRA_GRAPH_BASE_URL: httpsUrl('ENTRA_GRAPH_BASE_URL', MICROSOFT_GRAPH_BASE_URL),
    ENTRA_AUTHORITY_HOST: httpsUrl('ENTRA_AUTHORITY_HOST', MICROSOFT_AUTHORITY_HOST),
    SYNC_ENTRA_INTERVAL: duration('SYNC_ENTRA_INTERVAL', '15m'),
    ENTRA_TAIL_INTERVAL: duration('ENTRA_TAIL_INTERVAL', '30s'),
    // The receiver's public HTTPS URL: set, each tail keeps Graph subscriptions for users and groups (docs/notifications.md).
    ENTRA_NOTIFICATION_URL: optionalText,
    ENTRA_FAILED_RUN_RETENTION: duration('ENTRA_FAILED_RUN_RETENTION', '3d'),
    ENTRA_RUN_ABANDON_AFTER: duration('ENTRA_RUN_ABANDON_AFTER', '1d'),
    ENTRA_DB_STATEMENT_TIMEOUT: duration('ENTRA_DB_STATEMENT_TIMEOUT', '15m'),
    ENTRA_DB_IDLE_IN_TRANSACTION_TIMEOUT: duration('ENTRA_DB_IDLE_IN_TRANSACTION_TIMEOUT', '2m'),
    ENTRA_SYNC_DATA_DIR: z.string().trim().min(1).default('.entra-sync'),
    SIMULATOR_USERS: integer('SIMULATOR_USERS', 2500, 1),
    SIMULATOR_SEED: integer('SIMULATOR_SEED', 7, 0),
    SIMULATOR_PORT: integer('SIMULATOR_PORT', 8443, 0),
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  })
  .superRefine((env, ctx) => {
    if (env.ENTRA_CLOUD && !cloudNamed(env.ENTRA_CLOUD)) {
      ctx.addIssue({ code: 'custom', message: `ENTRA_CLOUD="${env.ENTRA_CLOUD}" is not a cloud; use one of ${CLOUD_NAMES.join(', ')}` });
    }
    const urlProblem = env.ENTRA_NOTIFICATION_URL ? notificationUrlProblem(env.ENTRA_NOTIFICATION_URL) : undefined;
    if (urlProblem) ctx.addIssue({ code: 'custom', message: urlProblem });
    const problem = envCredential(env).problem;
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
    for (const message of workerDeploymentProblems(env.ENTRA_WORKER_DEPLOYMENT, env.ENTRA_WORKER_BUILD_ID)) ctx.addIssue({ code: 'custom', message });
  });

export type Config = {
  temporal: {
    address?: string;
    namespace: string;
    taskQueue: string;
    discoveryTaskQueue: string;
    uiUrl?: string;
    cliPath?: string;
    /** TLS, mutual TLS and API key of the connection (TEMPORAL_TLS_*, TEMPORAL_API_KEY). */
    security: TemporalSecurity;
  };
  databaseUrl?: string;
  /** Present when a real tenant is configured; absent means "serve the simulator's demo tenant". */
  entra?: { tenantId: string; clientId: string; credential: EnvCredential };
  /** ENTRA_CLOUD: where graphBaseUrl and authorityHost came from, unless they were given explicitly. */
  cloud?: CloudName;
  graphBaseUrl: string;
  authorityHost: string;
  discoveryEnabled: boolean;
  /** How long a run waits for a discovery worker to pick up its activities. */
  discoveryStartTimeoutMs: number;
  /** How far before the audit watermark each run re-reads, for events that reach the log late. */
  auditOverlapMs: number;
  /** The longest an app's owners or a service principal's assignments go without a full read. */
  reconcileFullEveryMs: number;
  /** Most directoryAudits pages one run reads; older events are backfilled over later runs. */
  auditPagesPerRun: number;
  /** How far a worker's heap may grow past what its last full collection kept (0: V8's own choice). */
  workerHeapGrowthPercent: number;
  /** ENTRA_WORKER_DEPLOYMENT and ENTRA_WORKER_BUILD_ID: the workers' version; absent = unversioned workers. */
  workerDeployment?: WorkerDeployment;
  syncIntervalMs: number;
  /** Backstop interval of a connector's tail that sets none of its own (docs/run-lifecycle.md). */
  tailIntervalMs: number;
  /** ENTRA_NOTIFICATION_URL: the receiver's public HTTPS URL; absent = no subscriptions, tails on their backstop timer alone. */
  notificationUrl?: string;
  /** What the janitor keeps and ends (docs/run-lifecycle.md). */
  janitor: { failedRunRetentionMs: number; abandonAfterMs: number };
  /** Bounds on every PostgreSQL session of the workers and the CLI (docs/operations.md). */
  database: DatabaseLimits;
  dataDir: string;
  /** The demo tenant; a fixed port keeps stored delta links valid across restarts (0 = any port). */
  simulator: { users: number; seed: number; port: number };
  logLevel: string;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}\nSee .env.example for every setting.`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => issue.message);
  const security = readTemporalSecurity(env, problems);
  if (!parsed.success || problems.length) throw new ConfigError(problems);
  const e = parsed.data;
  return {
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      discoveryTaskQueue: e.TEMPORAL_DISCOVERY_TASK_QUEUE,
      uiUrl: e.TEMPORAL_UI_URL,
      cliPath: e.TEMPORAL_CLI_PATH,
      security,
    },
    databaseUrl: e.DATABASE_URL,
    entra: envCredential(e).entra,
    ...(e.ENTRA_CLOUD ? { cloud: cloudNamed(e.ENTRA_CLOUD) } : {}),
    ...resolveEndpoints(e.ENTRA_CLOUD ? cloudNamed(e.ENTRA_CLOUD) : undefined, {
      ...(e.ENTRA_GRAPH_BASE_URL ? { graphBaseUrl: e.ENTRA_GRAPH_BASE_URL } : {}),
      ...(e.ENTRA_AUTHORITY_HOST ? { authorityHost: e.ENTRA_AUTHORITY_HOST } : {}),
    }),
    discoveryEnabled: e.ENTRA_DISCOVERY_ENABLED,
    discoveryStartTimeoutMs: e.ENTRA_DISCOVERY_START_TIMEOUT,
    auditOverlapMs: e.ENTRA_AUDIT_OVERLAP,
    reconcileFullEveryMs: e.ENTRA_RECONCILE_FULL_EVERY,
    auditPagesPerRun: e.ENTRA_AUDIT_PAGES_PER_RUN,
    workerHeapGrowthPercent: e.ENTRA_WORKER_HEAP_GROWTH_PERCENT,
    ...(e.ENTRA_WORKER_DEPLOYMENT && e.ENTRA_WORKER_BUILD_ID
      ? { workerDeployment: { deploymentName: e.ENTRA_WORKER_DEPLOYMENT, buildId: e.ENTRA_WORKER_BUILD_ID } }
      : {}),
    syncIntervalMs: e.SYNC_ENTRA_INTERVAL,
    tailIntervalMs: e.ENTRA_TAIL_INTERVAL,
    ...(e.ENTRA_NOTIFICATION_URL ? { notificationUrl: e.ENTRA_NOTIFICATION_URL } : {}),
    janitor: { failedRunRetentionMs: e.ENTRA_FAILED_RUN_RETENTION, abandonAfterMs: e.ENTRA_RUN_ABANDON_AFTER },
    database: { statementTimeoutMs: e.ENTRA_DB_STATEMENT_TIMEOUT, idleInTransactionTimeoutMs: e.ENTRA_DB_IDLE_IN_TRANSACTION_TIMEOUT },
    dataDir: path.resolve(e.ENTRA_SYNC_DATA_DIR),
    simulator: { users: e.SIMULATOR_USERS, seed: e.SIMULATOR_SEED, port: e.SIMULATOR_PORT },
    logLevel: e.LOG_LEVEL,
  };
}

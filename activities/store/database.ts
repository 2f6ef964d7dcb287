import pg from 'pg';

export type Database = pg.Pool;
export type Queryable = pg.Pool | pg.PoolClient;

/** Server-side bounds on every session, so a worker cut off mid-transaction cannot hold locks for long. */
export type DatabaseLimits = { statementTimeoutMs: number; idleInTransactionTimeoutMs: number };

export const DEFAULT_DATABASE_LIMITS: DatabaseLimits = { statementTimeoutMs: 15 * 60_000, idleInTransactionTimeoutMs: 2 * 60_000 };

export function createDatabase(connectionString: string, limits: DatabaseLimits = DEFAULT_DATABASE_LIMITS): Database {
  const pool = new pg.Pool({
    connectionString,
    max: 10,
    application_name: 'entra-sync',
    statement_timeout: limits.statementTimeoutMs,
    idle_in_transaction_session_timeout: limits.idleInTransactionTimeoutMs,
    // A peer that vanished (network partition) is noticed by the kernel, not after hours.
    keepAlive: true,
    keepAliveInitialDelayMillis: 30_000,
    connectionTimeoutMillis: 30_000,
  });
  // An idle client that loses its server must not crash the worker; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

export async function inTransaction<T>(db: Database, work: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  const tx = await db.connect();
  // A connection lost mid-transaction (a server restart, the network) also errors the client
  // object; unheard, that error would end the worker process. The query in flight rejects anyway.
  let lost: Error | undefined;
  const onError = (err: Error) => (lost = err);
  tx.on('error', onError);
  try {
    await tx.query('begin');
    const result = await work(tx);
    await tx.query('commit');
    return result;
  } catch (err) {
    await tx.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    tx.off('error', onError);
    // A broken connection is closed, not handed to the next caller.
    tx.release(lost);
  }
}

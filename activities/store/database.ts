import pg from 'pg';

export type Database = pg.Pool;
export type Queryable = pg.Pool | pg.PoolClient;

export function createDatabase(connectionString: string): Database {
  const pool = new pg.Pool({ connectionString, max: 10, application_name: 'entra-sync' });
  // An idle client that loses its server must not crash the worker; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

export async function inTransaction<T>(db: Database, work: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  const tx = await db.connect();
  try {
    await tx.query('begin');
    const result = await work(tx);
    await tx.query('commit');
    return result;
  } catch (err) {
    await tx.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    tx.release();
  }
}

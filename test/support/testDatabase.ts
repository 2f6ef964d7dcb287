import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../../schema/migrate';

/** A fresh, migrated database on the suite's PostgreSQL, so test files never see each other. */
export async function createTestDatabase(serverUrl: string, prefix = 'test'): Promise<string> {
  const url = await createEmptyDatabase(serverUrl, prefix);
  await migrate(url);
  return url;
}

/** A fresh database without any schema, for tests of the migrations themselves. */
export async function createEmptyDatabase(serverUrl: string, prefix: string): Promise<string> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

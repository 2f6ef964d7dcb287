import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../../schema/migrate';

/** The migrated database every test database is copied from, made once per server by the first caller. */
const TEMPLATE = 'test_template';
// Serialises the template's creation across the test processes; any constant that only this file uses.
const TEMPLATE_LOCK_KEY = 7_221_930_441;

/**
 * A fresh, migrated database on the suite's PostgreSQL, so test files never see each other. It is
 * a copy of a template migrated once (about 50 ms against 550 ms for running the migrations), then
 * migrated again, which applies nothing unless the template predates a migration.
 */
export async function createTestDatabase(serverUrl: string, prefix = 'test'): Promise<string> {
  const name = uniqueName(prefix);
  await withAdmin(serverUrl, async (admin) => {
    await ensureTemplate(admin, serverUrl);
    await admin.query(`create database ${name} template ${TEMPLATE}`);
  });
  const url = databaseUrl(serverUrl, name);
  await migrate(url);
  return url;
}

/** A fresh database without any schema, for tests of the migrations themselves. */
export async function createEmptyDatabase(serverUrl: string, prefix: string): Promise<string> {
  const name = uniqueName(prefix);
  await withAdmin(serverUrl, (admin) => admin.query(`create database ${name}`));
  return databaseUrl(serverUrl, name);
}

async function ensureTemplate(admin: pg.Client, serverUrl: string): Promise<void> {
  await admin.query('select pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY]);
  try {
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [TEMPLATE]);
    if (rowCount) return;
    // Migrated under another name and renamed when complete: a process that died half-way leaves no template.
    const building = uniqueName('template_build');
    await admin.query(`create database ${building}`);
    await migrate(databaseUrl(serverUrl, building));
    await admin.query(`alter database ${building} rename to ${TEMPLATE}`);
  } finally {
    await admin.query('select pg_advisory_unlock($1)', [TEMPLATE_LOCK_KEY]);
  }
}

async function withAdmin<T>(serverUrl: string, use: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.end();
  }
}

const uniqueName = (prefix: string) => `${prefix}_${randomBytes(4).toString('hex')}`;

function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

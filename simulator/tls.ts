import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import path from 'node:path';
import { generate } from 'selfsigned';

export interface SimulatorCertificate {
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
}

const CERT_FILE = 'simulator-cert.pem';
const KEY_FILE = 'simulator-key.pem';
const LOCK_FILE = 'simulator-cert.lock';
const VALIDITY_YEARS = 10;
const STALE_LOCK_MS = 30_000;

/**
 * Returns the simulator's TLS certificate in `dir`, creating it on first use.
 *
 * The certificate is its own CA (basicConstraints CA:true) so the very same file can be
 * handed to NODE_EXTRA_CA_CERTS as a trust anchor and served as the leaf certificate.
 * Files are reused across runs because processes read NODE_EXTRA_CA_CERTS once at start:
 * regenerating would silently break every process already trusting the old file.
 */
export async function ensureSelfSignedCertificate(dir: string): Promise<SimulatorCertificate> {
  const absoluteDir = path.resolve(dir);
  const certPath = path.join(absoluteDir, CERT_FILE);
  const keyPath = path.join(absoluteDir, KEY_FILE);

  const existing = await readPair(certPath, keyPath);
  if (existing) return { certPath, keyPath, ...existing };

  await mkdir(absoluteDir, { recursive: true });
  return withCreationLock(path.join(absoluteDir, LOCK_FILE), async () => {
    // Another process may have created the pair while we waited for the lock.
    const created = await readPair(certPath, keyPath);
    if (created) return { certPath, keyPath, ...created };

    const pems = await generateLocalhostCertificate();
    // Key first, certificate last: whoever sees the certificate also sees its key.
    await writeAtomically(keyPath, pems.private, 0o600);
    await writeAtomically(certPath, pems.cert, 0o644);
    return { certPath, keyPath, cert: pems.cert, key: pems.private };
  });
}

async function generateLocalhostCertificate(): Promise<{ cert: string; private: string }> {
  const notBeforeDate = new Date(Date.now() - 24 * 3600 * 1000); // tolerate clock skew
  const notAfterDate = new Date(notBeforeDate);
  notAfterDate.setFullYear(notAfterDate.getFullYear() + VALIDITY_YEARS);
  return generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'rsa',
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
}

/**
 * Runs `create` while holding an exclusive lock file, so two processes starting at once
 * never both generate (the loser would overwrite a certificate the winner already trusts).
 * A lock older than STALE_LOCK_MS is assumed to belong to a crashed process.
 */
async function withCreationLock<T>(lockPath: string, create: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 2 * STALE_LOCK_MS;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await stat(lockPath).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > STALE_LOCK_MS) await unlink(lockPath).catch(() => undefined);
      else if (Date.now() > deadline) throw new Error(`timed out waiting for certificate lock ${lockPath}`);
      else await delay(50);
    }
  }
  try {
    return await create();
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}

async function readPair(certPath: string, keyPath: string): Promise<{ cert: string; key: string } | undefined> {
  try {
    const [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    if (!cert.includes('BEGIN CERTIFICATE') || !key.includes('PRIVATE KEY')) return undefined;
    return { cert, key };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function writeAtomically(filePath: string, content: string, mode: number): Promise<void> {
  const temporary = `${filePath}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, content, { mode });
    await rename(temporary, filePath);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

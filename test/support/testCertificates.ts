import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generate } from 'selfsigned';

export type Pem = { cert: string; key: string };
export type IssuedPem = Pem & { certPath: string; keyPath: string };

/** A CA with a server certificate (for `serverNames`) and a client certificate, as files in `dir`. */
export type TestPki = { ca: IssuedPem; server: IssuedPem; client: IssuedPem };

const DAY_MS = 86_400_000;

/**
 * Creates a fresh certificate authority and the certificates it issues, at test time: nothing
 * secret is committed, and each test file trusts only the CA it made.
 */
export async function createTestPki(dir: string, name: string, serverNames: string[] = ['localhost']): Promise<TestPki> {
  await mkdir(dir, { recursive: true });
  const validity = { notBeforeDate: new Date(Date.now() - DAY_MS), notAfterDate: new Date(Date.now() + 30 * DAY_MS) };
  const base = { keyType: 'ec' as const, algorithm: 'sha256', ...validity };
  const ca = await generate([{ name: 'commonName', value: `${name} test CA` }], {
    ...base,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const issuer = { key: ca.private, cert: ca.cert };
  // rustls (the workers' TLS) wants an end-entity certificate with subjectAltNames, not a CA.
  const server = await generate([{ name: 'commonName', value: serverNames[0]! }], {
    ...base,
    ca: issuer,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: serverNames.map((n) => (/^[\d.]+$/.test(n) ? { type: 7, ip: n } : { type: 2, value: n })) },
    ],
  });
  const client = await generate([{ name: 'commonName', value: `${name} worker` }], {
    ...base,
    ca: issuer,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', clientAuth: true },
    ],
  });
  const save = async (label: string, pem: { cert: string; private: string }): Promise<IssuedPem> => {
    const certPath = path.join(dir, `${label}.pem`);
    const keyPath = path.join(dir, `${label}-key.pem`);
    await writeFile(certPath, pem.cert);
    await writeFile(keyPath, pem.private, { mode: 0o600 });
    return { cert: pem.cert, key: pem.private, certPath, keyPath };
  };
  return { ca: await save('ca', ca), server: await save('server', server), client: await save('client', client) };
}

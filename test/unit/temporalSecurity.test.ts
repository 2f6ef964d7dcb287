import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../shared/config';
import { splitTemporalAddress } from '../../shared/temporalAddress';
import { temporalConnectionOptions } from '../../shared/temporalConnectionOptions';
import { explainTemporalConnectionFailure } from '../../shared/temporalConnectionProblem';
import { describeTemporalSecurity } from '../../shared/temporalSecurity';

// Shapes only: the parser checks the PEM markers; the TLS tests use real certificates.
const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n-----END PRIVATE KEY-----\n';
const API_KEY = 'tcld-api-key-do-not-print';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'entra-sync-temporal-security-'));
  await writeFile(path.join(dir, 'ca.pem'), CERT);
  await writeFile(path.join(dir, 'client.pem'), CERT);
  await writeFile(path.join(dir, 'client-key.pem'), KEY);
});

const security = (env: Record<string, string>) => loadConfig(env).temporal.security;
const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('Temporal connection settings, under the names of the Temporal CLI and SDK environment configuration', () => {
  it('is plaintext when nothing is set, as the dev server wants', () => {
    expect(security({})).toEqual({ tls: false });
    expect(temporalConnectionOptions('localhost:7233', security({}))).toEqual({ address: 'localhost:7233', tls: false });
  });

  it('reads the CA, client certificate and key from files, and the server name', () => {
    const s = security({
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(dir, 'ca.pem'),
      TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'client.pem'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: path.join(dir, 'client-key.pem'),
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    expect(s.tls).toBe(true);
    const options = temporalConnectionOptions('10.0.0.5:7233', s);
    expect(options).toEqual({
      address: '10.0.0.5:7233',
      tls: { serverRootCACertificate: Buffer.from(CERT), serverNameOverride: 'temporal.internal', clientCertPair: { crt: Buffer.from(CERT), key: Buffer.from(KEY) } },
    });
    expect(describeTemporalSecurity(s)).toBe(
      `mutual TLS, client certificate from ${path.join(dir, 'client.pem')}, CA from ${path.join(dir, 'ca.pem')}, server name temporal.internal`,
    );
  });

  it('takes inline PEMs, with \\n standing for newlines as env files need', () => {
    const s = security({ TEMPORAL_TLS_CLIENT_CERT_DATA: CERT.replace(/\n/g, '\\n'), TEMPORAL_TLS_CLIENT_KEY_DATA: KEY });
    // Surrounding whitespace goes, as for every variable.
    expect(s.clientCert).toEqual({ crt: Buffer.from(CERT), key: Buffer.from(KEY.trim()) });
    expect(describeTemporalSecurity(s)).toBe('mutual TLS, client certificate from TEMPORAL_TLS_CLIENT_CERT_DATA, system CAs');
    expect(temporalConnectionOptions('a:1', s).tls).toEqual({ clientCertPair: { crt: Buffer.from(CERT), key: Buffer.from(KEY.trim()) } });
  });

  it('turns TLS on for an API key (system CAs), unless TEMPORAL_TLS=false says otherwise', () => {
    const cloud = security({ TEMPORAL_API_KEY: ` ${API_KEY} ` });
    expect(temporalConnectionOptions('ns.acct.tmprl.cloud:7233', cloud)).toEqual({ address: 'ns.acct.tmprl.cloud:7233', tls: true, apiKey: API_KEY });
    expect(describeTemporalSecurity(cloud)).toBe('TLS, system CAs, API key');
    // Explicitly false: the SDK would otherwise turn TLS on by itself for an API key.
    const sidecar = security({ TEMPORAL_API_KEY: API_KEY, TEMPORAL_TLS: 'false' });
    expect(temporalConnectionOptions('localhost:7233', sidecar)).toEqual({ address: 'localhost:7233', tls: false, apiKey: API_KEY });
    expect(temporalConnectionOptions('x:1', security({ TEMPORAL_TLS: 'true' })).tls).toBe(true);
    expect(describeTemporalSecurity(sidecar)).not.toContain(API_KEY);
  });

  it('refuses contradictions and unreadable or non-PEM material, naming the variable and never echoing a key', () => {
    const found = [
      ...problems({ TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'client.pem') }),
      ...problems({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(dir, 'ca.pem'), TEMPORAL_TLS_SERVER_CA_CERT_DATA: CERT }),
      ...problems({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(dir, 'missing.pem') }),
      ...problems({ TEMPORAL_TLS_CLIENT_CERT_DATA: CERT, TEMPORAL_TLS_CLIENT_KEY_DATA: 'secret-key-bytes-not-a-pem' }),
      ...problems({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_SERVER_CA_CERT_DATA: CERT }),
      ...problems({ TEMPORAL_TLS: 'sometimes' }),
      ...problems({ TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true', TEMPORAL_API_KEY: API_KEY }),
    ];
    expect(found).toEqual([
      'TEMPORAL_TLS_CLIENT_CERT_PATH (or TEMPORAL_TLS_CLIENT_CERT_DATA) is set without TEMPORAL_TLS_CLIENT_KEY_PATH (or TEMPORAL_TLS_CLIENT_KEY_DATA): mutual TLS needs the client certificate and its private key',
      'TEMPORAL_TLS_SERVER_CA_CERT_PATH and TEMPORAL_TLS_SERVER_CA_CERT_DATA are both set; set one: the file\'s path, or the PEM itself',
      `TEMPORAL_TLS_SERVER_CA_CERT_PATH="${path.join(dir, 'missing.pem')}" cannot be read (ENOENT); point it at a readable PEM file`,
      'TEMPORAL_TLS_CLIENT_KEY_DATA is not a PEM key; expected a block starting with -----BEGIN PRIVATE KEY----- (or RSA/EC PRIVATE KEY)',
      'TEMPORAL_TLS=false contradicts the TEMPORAL_TLS_* certificate settings that are set; remove one or the other',
      'TEMPORAL_TLS="sometimes" is not a boolean; use true or false',
      "TEMPORAL_TLS_DISABLE_HOST_VERIFICATION=true is not supported: the Temporal TypeScript SDK always verifies the server's name; set TEMPORAL_TLS_SERVER_NAME to the name its certificate carries instead",
    ]);
    expect(found.join('\n')).not.toMatch(/secret-key-bytes|BEGIN CERTIFICATE-----\n|do-not-print/);
  });

  it('splits addresses with names, IPv4 and bracketed IPv6', () => {
    expect(splitTemporalAddress('temporal.internal:7233')).toEqual({ host: 'temporal.internal', port: 7233 });
    expect(splitTemporalAddress('[::1]:7300')).toEqual({ host: '::1', port: 7300 });
    expect(splitTemporalAddress('10.1.2.3')).toEqual({ host: '10.1.2.3', port: 7233 });
  });
});

describe('a server that refuses the credentials', () => {
  const target = (env: Record<string, string>) => ({ address: 'ns.acct.tmprl.cloud:7233', namespace: 'ns.acct', security: security(env) });
  // What the SDK throws: its wrapper, with the gRPC status as the cause.
  const refused = (code: number, details: string) => Object.assign(new Error('Failed to connect to Temporal server'), { cause: Object.assign(new Error(`${code} ${details}`), { code, details }) });

  it('names the API key, the client certificate, or the missing credentials, and never prints the key', async () => {
    const withKey = await explainTemporalConnectionFailure(refused(16, 'Request unauthorized.'), target({ TEMPORAL_API_KEY: API_KEY }));
    expect(withKey).toEqual({
      kind: 'unauthorized',
      transient: false,
      message:
        'Temporal at ns.acct.tmprl.cloud:7233 refused the API key in TEMPORAL_API_KEY (UNAUTHENTICATED: Request unauthorized.); it is wrong, expired, revoked or without access to namespace ns.acct: create a new API key with access to it and set TEMPORAL_API_KEY',
    });
    expect(withKey?.message).not.toContain(API_KEY);
    const withCertificate = await explainTemporalConnectionFailure(
      refused(7, 'Request unauthorized.'),
      target({ TEMPORAL_TLS_CLIENT_CERT_DATA: CERT, TEMPORAL_TLS_CLIENT_KEY_DATA: KEY }),
    );
    expect(withCertificate?.message).toBe(
      'Temporal at ns.acct.tmprl.cloud:7233 did not authorize the client certificate in TEMPORAL_TLS_CLIENT_CERT_PATH (PERMISSION_DENIED: Request unauthorized.); use a certificate the server\'s authorizer admits to namespace ns.acct, or set TEMPORAL_API_KEY',
    );
    const without = await explainTemporalConnectionFailure(refused(16, 'missing credentials'), target({ TEMPORAL_TLS: 'true' }));
    expect(without?.message).toBe(
      'Temporal at ns.acct.tmprl.cloud:7233 requires credentials (UNAUTHENTICATED: missing credentials); set TEMPORAL_API_KEY (a Temporal Cloud API key), or a client certificate in TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH',
    );
  });
});

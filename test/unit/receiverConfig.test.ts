import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadReceiverConfig } from '../../receiver/receiverConfig';

const key = randomBytes(32).toString('base64');
const base = { DATABASE_URL: 'postgres://u:p@db/entra_sync', ENTRA_SYNC_ENCRYPTION_KEY: key };

describe('the receiver configuration', () => {
  it('defaults: HTTP on 8490 behind a TLS proxy, metrics on 9466, a 1 MiB body limit, the spool under the data directory', () => {
    const config = loadReceiverConfig({ ...base, ENTRA_SYNC_DATA_DIR: '/var/lib/es' });
    expect(config).toMatchObject({ port: 8490, host: '0.0.0.0', maxBodyBytes: 1_048_576, spoolDir: '/var/lib/es/receiver-spool', metrics: { port: 9466 } });
    expect(config.tls).toBeUndefined();
    expect(config.temporal.address).toBe('localhost:7233');
  });

  it('serves HTTPS itself only with both a certificate and a key', () => {
    expect(loadReceiverConfig({ ...base, RECEIVER_TLS_CERT: '/c.pem', RECEIVER_TLS_KEY: '/k.pem' }).tls).toEqual({ certPath: '/c.pem', keyPath: '/k.pem' });
    expect(() => loadReceiverConfig({ ...base, RECEIVER_TLS_CERT: '/c.pem' })).toThrow(/RECEIVER_TLS_CERT and RECEIVER_TLS_KEY go together/);
  });

  it('refuses to start without the database or the key that opens the clientStates', () => {
    expect(() => loadReceiverConfig({ ENTRA_SYNC_ENCRYPTION_KEY: key })).toThrow(/DATABASE_URL is not set/);
    expect(() => loadReceiverConfig({ DATABASE_URL: base.DATABASE_URL })).toThrow(/ENTRA_SYNC_ENCRYPTION_KEY is not set/);
    expect(() => loadReceiverConfig({ ...base, RECEIVER_PORT: 'http' })).toThrow(/RECEIVER_PORT="http" is not a port/);
    expect(() => loadReceiverConfig({ ...base, RECEIVER_METRICS_PORT: '99999' })).toThrow(/RECEIVER_METRICS_PORT="99999"/);
  });
});

import { describe, expect, it } from 'vitest';
import { credentialFingerprint } from '../../activities/graph/credentials/credentialFingerprint';
import type { CredentialMaterial } from '../../activities/graph/credentials/credentialMaterial';

const identity = { tenantId: '11111111-1111-1111-1111-111111111111', clientId: '22222222-2222-2222-2222-222222222222', authorityHost: 'https://login.microsoftonline.com' };
const SECRET = 'Q~the-secret-value-0123456789';
const secret: CredentialMaterial = { kind: 'clientSecret', secret: SECRET };

describe('credentialFingerprint', () => {
  it('changes with each thing that defines the credential', () => {
    const base = credentialFingerprint(identity, secret);
    const variants = [
      credentialFingerprint({ ...identity, tenantId: '33333333-3333-3333-3333-333333333333' }, secret),
      credentialFingerprint({ ...identity, clientId: '44444444-4444-4444-4444-444444444444' }, secret),
      credentialFingerprint({ ...identity, authorityHost: 'https://login.microsoftonline.us' }, secret),
      credentialFingerprint(identity, { kind: 'clientSecret', secret: `${SECRET}x` }),
      credentialFingerprint(identity, { kind: 'certificate', certificate: { format: 'pem', pem: SECRET } }),
      credentialFingerprint(identity, { kind: 'workloadIdentity', tokenFile: '/var/run/token' }),
      credentialFingerprint(identity, { kind: 'managedIdentity' }),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });

  it('is the same for the same credential, whatever the casing of ids and a trailing slash', () => {
    expect(credentialFingerprint({ tenantId: identity.tenantId.toUpperCase(), clientId: identity.clientId, authorityHost: `${identity.authorityHost}/` }, secret)).toBe(
      credentialFingerprint(identity, secret),
    );
  });

  it('never holds the secret material', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEv...\n-----END PRIVATE KEY-----\n';
    for (const material of [secret, { kind: 'certificate', certificate: { format: 'pfx', pfx: 'MIIJqQIBAzCCCW8', password: 'pfx-password' } } as const, { kind: 'certificate', certificate: { format: 'pem', pem } } as const]) {
      const fingerprint = credentialFingerprint(identity, material);
      expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(fingerprint).not.toContain(SECRET);
    }
  });
});

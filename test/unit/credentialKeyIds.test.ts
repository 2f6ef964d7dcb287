import { describe, expect, it } from 'vitest';
import { credentialKeyIds } from '../../activities/auditClassification';

const KEY_A = '0f8c6d4e-1a2b-4c3d-9e8f-7a6b5c4d3e2f';
const KEY_B = 'A1B2C3D4-E5F6-4789-ABCD-EF0123456789';

/** A directory audit event as Graph lists it: modifiedProperties hold old and new values as JSON text. */
const event = (...properties: Array<{ displayName: string; oldValue?: unknown; newValue?: unknown }>) => ({
  activityDisplayName: 'Update application – Certificates and secrets management ',
  targetResources: [{ type: 'Application', modifiedProperties: properties }],
});

describe('credentialKeyIds', () => {
  it('reads the KeyIdentifier=... entries of KeyDescription, old and new, lower-cased, once each, sorted', () => {
    const ids = credentialKeyIds(
      event({
        displayName: 'KeyDescription',
        oldValue: `["[KeyIdentifier=${KEY_B},KeyType=Password,KeyUsage=Verify,DisplayName=old]"]`,
        newValue: `["[KeyIdentifier=${KEY_B},KeyType=Password,KeyUsage=Verify,DisplayName=old]","[KeyIdentifier=${KEY_A},KeyType=AsymmetricX509Cert,KeyUsage=Verify,DisplayName=cert]"]`,
      }),
    );
    expect(ids).toEqual([KEY_A, KEY_B.toLowerCase()].sort());
  });

  it('reads keyId fields of JSON objects, at any depth, and only when they are GUIDs', () => {
    const ids = credentialKeyIds(
      event(
        { displayName: 'PasswordCredentials', newValue: JSON.stringify([{ keyId: KEY_A, displayName: 'ci' }, { keyId: 'not-a-guid' }]) },
        { displayName: 'KeyCredentials', newValue: JSON.stringify({ value: [{ KeyId: KEY_B }] }) },
      ),
    );
    expect(ids).toEqual([KEY_A, KEY_B.toLowerCase()].sort());
  });

  it('finds nothing in events without credentials, and tolerates odd shapes', () => {
    expect(credentialKeyIds({})).toEqual([]);
    expect(credentialKeyIds({ targetResources: 'n/a' })).toEqual([]);
    expect(credentialKeyIds(event({ displayName: 'DisplayName', oldValue: '["Old name"]', newValue: '["New name"]' }))).toEqual([]);
    expect(credentialKeyIds(event({ displayName: 'KeyDescription', oldValue: null, newValue: 42 }))).toEqual([]);
    expect(credentialKeyIds(event({ displayName: 'KeyDescription', newValue: '{not json' }))).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../shared/config';

const IDS = { ENTRA_TENANT_ID: 'contoso.onmicrosoft.com', ENTRA_CLIENT_ID: '00000000-0000-0000-0000-000000000001' };

describe('the ENTRA_* connector’s credential', () => {
  it('is whichever credential variable is set, by @azure/identity’s names', () => {
    expect(loadConfig({ ...IDS, ENTRA_CLIENT_SECRET: 's3cret' }).entra?.credential).toEqual({ kind: 'clientSecret', secret: 's3cret' });
    expect(loadConfig({ ...IDS, AZURE_CLIENT_CERTIFICATE_PATH: '/secrets/app.pfx', AZURE_CLIENT_CERTIFICATE_PASSWORD: 'pw' }).entra?.credential).toEqual({
      kind: 'certificate',
      path: '/secrets/app.pfx',
      password: 'pw',
    });
    expect(loadConfig({ ...IDS, AZURE_FEDERATED_TOKEN_FILE: '/var/run/token' }).entra?.credential).toEqual({ kind: 'workloadIdentity', tokenFile: '/var/run/token' });
    expect(loadConfig({ ...IDS, ENTRA_CREDENTIAL: 'managedIdentity' }).entra?.credential).toEqual({ kind: 'managedIdentity' });
    expect(loadConfig({ ...IDS, ENTRA_CREDENTIAL: 'systemAssignedIdentity' }).entra?.credential).toEqual({ kind: 'systemAssignedIdentity' });
  });

  it('asks ENTRA_CREDENTIAL to choose when several are set', () => {
    expect(() => loadConfig({ ...IDS, ENTRA_CLIENT_SECRET: 's', AZURE_FEDERATED_TOKEN_FILE: '/t' })).toThrowError(
      /ENTRA_CLIENT_SECRET and AZURE_FEDERATED_TOKEN_FILE are all set: set ENTRA_CREDENTIAL to the one to use/,
    );
    expect(loadConfig({ ...IDS, ENTRA_CLIENT_SECRET: 's', AZURE_FEDERATED_TOKEN_FILE: '/t', ENTRA_CREDENTIAL: 'workloadIdentity' }).entra?.credential.kind).toBe('workloadIdentity');
  });

  it('names what is missing for the chosen kind, and refuses an unknown kind', () => {
    expect(() => loadConfig({ ...IDS, ENTRA_CREDENTIAL: 'certificate' })).toThrowError(/AZURE_CLIENT_CERTIFICATE_PATH is not set/);
    expect(() => loadConfig({ ENTRA_CREDENTIAL: 'managedIdentity' })).toThrowError(/ENTRA_TENANT_ID and ENTRA_CLIENT_ID are not set/);
    expect(() => loadConfig({ ...IDS, ENTRA_CREDENTIAL: 'password' })).toThrowError(ConfigError);
  });

  it('is absent when nothing is set: the simulator’s demo tenant', () => {
    expect(loadConfig({}).entra).toBeUndefined();
  });
});

import { randomBytes, randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from './support/cliProcess';
import { createTestDatabase } from './support/testDatabase';

const KEY = randomBytes(32).toString('base64');
let databaseUrl: string;
const cli = (args: string[], input = 'Q~a-secret-for-the-cloud-test\n') =>
  runCli(args, { DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: inject('temporalAddress'), ENTRA_SYNC_ENCRYPTION_KEY: KEY }, input);
const show = async (id: string) => JSON.parse((await cli(['connector', 'show', id, '--json'])).stdout) as Record<string, unknown>;

beforeAll(async () => {
  databaseUrl = await createTestDatabase(inject('postgresUrl'));
});

describe('connector add/update --cloud', () => {
  it('stores the documented endpoint pair of the cloud', async () => {
    const added = await cli(['connector', 'add', 'fairfax', '--cloud', 'AzureUSGovernment', '--tenant-id', randomUUID(), '--client-id', randomUUID()]);
    expect(added.code, added.stderr).toBe(0);
    expect(await show('fairfax')).toMatchObject({ cloud: 'AzureUSGovernment', authorityHost: 'https://login.microsoftonline.us', graphBaseUrl: 'https://graph.microsoft.us/v1.0', credentialKind: 'clientSecret' });
  });

  it('lets an explicit endpoint win over the cloud', async () => {
    const args = ['connector', 'add', 'mooncake', '--cloud', 'azurechinacloud', '--graph-base-url', 'https://graph-proxy.internal/v1.0', '--tenant-id', randomUUID(), '--client-id', randomUUID()];
    expect((await cli(args)).code).toBe(0);
    expect(await show('mooncake')).toMatchObject({ cloud: 'AzureChinaCloud', authorityHost: 'https://login.chinacloudapi.cn', graphBaseUrl: 'https://graph-proxy.internal/v1.0' });
  });

  it('moves a connector to another cloud, and refuses a cloud it does not know', async () => {
    expect((await cli(['connector', 'update', 'fairfax', '--cloud', 'AzureUSGovernmentDoD'])).code).toBe(0);
    expect(await show('fairfax')).toMatchObject({ cloud: 'AzureUSGovernmentDoD', authorityHost: 'https://login.microsoftonline.us', graphBaseUrl: 'https://dod-graph.microsoft.us/v1.0' });
    const refused = await cli(['connector', 'update', 'fairfax', '--cloud', 'AzureGermanCloud']);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe('entra-sync: --cloud "AzureGermanCloud" is not a cloud; use one of AzurePublicCloud, AzureUSGovernment, AzureUSGovernmentDoD, AzureChinaCloud');
  });
});

import { describe, expect, it } from 'vitest';
import { cursorUsableAt } from '../../activities/graph/cursorOrigin';
import { CLOUDS, cloudNamed, graphScope, isKnownAuthorityHost, resolveEndpoints } from '../../shared/clouds';
import { loadConfig } from '../../shared/config';

// Microsoft's "national cloud deployments" table: Entra ID endpoint and Graph service root per cloud.
const DOCUMENTED = {
  AzurePublicCloud: ['https://login.microsoftonline.com', 'https://graph.microsoft.com/v1.0'],
  AzureUSGovernment: ['https://login.microsoftonline.us', 'https://graph.microsoft.us/v1.0'],
  AzureUSGovernmentDoD: ['https://login.microsoftonline.us', 'https://dod-graph.microsoft.us/v1.0'],
  AzureChinaCloud: ['https://login.chinacloudapi.cn', 'https://microsoftgraph.chinacloudapi.cn/v1.0'],
};

describe('national clouds', () => {
  it.each(Object.entries(DOCUMENTED))('%s picks the documented authority host and Graph endpoint', (name, [authorityHost, graphBaseUrl]) => {
    expect(resolveEndpoints(cloudNamed(name), {})).toEqual({ authorityHost, graphBaseUrl });
    expect(Object.keys(CLOUDS)).toContain(name);
  });

  it('reads the name in any casing, and nothing else', () => {
    expect(cloudNamed('azureusgovernment')).toBe('AzureUSGovernment');
    expect(cloudNamed('AzureGermanCloud')).toBeUndefined();
  });

  it('lets explicit overrides win over the cloud', () => {
    expect(resolveEndpoints('AzureChinaCloud', { graphBaseUrl: 'https://graph-proxy.internal/v1.0' })).toEqual({
      authorityHost: 'https://login.chinacloudapi.cn',
      graphBaseUrl: 'https://graph-proxy.internal/v1.0',
    });
    expect(resolveEndpoints(undefined, {})).toEqual({ authorityHost: 'https://login.microsoftonline.com', graphBaseUrl: 'https://graph.microsoft.com/v1.0' });
  });

  it('asks for a token for the cloud’s own Graph host; any other endpoint stands in for the public one', () => {
    expect(graphScope('https://graph.microsoft.us/v1.0')).toBe('https://graph.microsoft.us/.default');
    expect(graphScope('https://dod-graph.microsoft.us/v1.0')).toBe('https://dod-graph.microsoft.us/.default');
    expect(graphScope('https://microsoftgraph.chinacloudapi.cn/v1.0')).toBe('https://microsoftgraph.chinacloudapi.cn/.default');
    expect(graphScope('https://graph.microsoft.com/v1.0')).toBe('https://graph.microsoft.com/.default');
    expect(graphScope('https://localhost:8443/v1.0')).toBe('https://graph.microsoft.com/.default');
  });

  it('skips MSAL instance discovery only for authorities it does not know', () => {
    expect(isKnownAuthorityHost('https://login.microsoftonline.us')).toBe(true);
    expect(isKnownAuthorityHost('https://login.chinacloudapi.cn/')).toBe(true);
    expect(isKnownAuthorityHost('https://localhost:8443')).toBe(false);
  });

  it('ENTRA_CLOUD sets both endpoints; ENTRA_GRAPH_BASE_URL and ENTRA_AUTHORITY_HOST still win', () => {
    expect(loadConfig({ ENTRA_CLOUD: 'AzureUSGovernment' })).toMatchObject({ cloud: 'AzureUSGovernment', authorityHost: 'https://login.microsoftonline.us', graphBaseUrl: 'https://graph.microsoft.us/v1.0' });
    expect(loadConfig({ ENTRA_CLOUD: 'AzureUSGovernment', ENTRA_GRAPH_BASE_URL: 'https://dod-graph.microsoft.us/v1.0' })).toMatchObject({
      authorityHost: 'https://login.microsoftonline.us',
      graphBaseUrl: 'https://dod-graph.microsoft.us/v1.0',
    });
    expect(() => loadConfig({ ENTRA_CLOUD: 'Mars' })).toThrowError(/ENTRA_CLOUD="Mars" is not a cloud; use one of AzurePublicCloud, AzureUSGovernment, AzureUSGovernmentDoD, AzureChinaCloud/);
  });

  it('a cursor minted by one cloud is not replayed against another: the stream re-bootstraps', () => {
    const publicCursor = 'https://graph.microsoft.com/v1.0/users/delta?$deltatoken=abc';
    expect(cursorUsableAt(publicCursor, CLOUDS.AzurePublicCloud.graphBaseUrl)).toBe(true);
    expect(cursorUsableAt(publicCursor, CLOUDS.AzureUSGovernment.graphBaseUrl)).toBe(false);
    // GCC High and DoD share a sign-in host but not a Graph endpoint.
    expect(cursorUsableAt('https://graph.microsoft.us/v1.0/groups/delta?$deltatoken=x', CLOUDS.AzureUSGovernmentDoD.graphBaseUrl)).toBe(false);
    expect(cursorUsableAt('not a url', CLOUDS.AzureChinaCloud.graphBaseUrl)).toBe(false);
  });
});

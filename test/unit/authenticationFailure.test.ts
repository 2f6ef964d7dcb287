import type { TokenCredential } from '@azure/identity';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it, vi } from 'vitest';
import { authenticationFailure } from '../../activities/graph/graphErrors';
import { GraphSessions } from '../../activities/graph/graphSessions';
import { StaticSecretStore } from '../../activities/secrets/secretStore';
import type { Connector } from '../../activities/store/connectors';

const APP = '11111111-2222-3333-4444-555555555555';
const TENANT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const SECRET = 'Zx8Q~not-a-real-secret-value';
const context = { tenantId: TENANT, clientId: APP, permission: 'User.Read.All' };

/** What @azure/identity throws for an error answer of the token endpoint (MSAL's errorResponse). */
const tokenError = (code: number, description: string) =>
  Object.assign(new Error(`ClientSecretCredential authentication failed: ${description}`), {
    name: 'AuthenticationError',
    errorResponse: { error: 'invalid_client', errorDescription: description, errorCodes: [code] },
  });

// Descriptions as Microsoft Entra words them (AADSTS error code reference); expected texts are
// the README's error table with <app> and <tenant> filled in.
const cases = [
  {
    code: 7000215,
    description: `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${APP}'.`,
    type: 'InvalidClientSecret',
    message: `Microsoft Entra rejected the client secret of app ${APP} (AADSTS7000215: invalid client secret). Create a new client secret under App registrations > ${APP} > Certificates & secrets and set ENTRA_CLIENT_SECRET to its Value (not its Secret ID).`,
  },
  {
    code: 7000222,
    description: `AADSTS7000222: The provided client secret keys for app '${APP}' are expired.`,
    type: 'ExpiredClientSecret',
    message: `The client secret of app ${APP} has expired (AADSTS7000222). Rotate it: create a new client secret under App registrations > ${APP} > Certificates & secrets, then store its Value with entra-sync connector update <id> --secret (or set ENTRA_CLIENT_SECRET); see docs/operations.md, "Rotating the client secret of a connector".`,
  },
  {
    code: 700016,
    description: `AADSTS700016: Application with identifier '${APP}' was not found in the directory '${TENANT}'.`,
    type: 'UnknownApplication',
    message: `No application with client id ${APP} exists in tenant ${TENANT} (AADSTS700016). Check ENTRA_CLIENT_ID (the app registration's Application (client) ID) and that the app is registered in, or consented to by, this tenant.`,
  },
  {
    code: 90002,
    description: `AADSTS90002: Tenant '${TENANT}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    type: 'UnknownTenant',
    message: `Tenant ${TENANT} was not found (AADSTS90002). Check ENTRA_TENANT_ID: use the Directory (tenant) ID from the app registration's overview page.`,
  },
  {
    code: 900023,
    description: `AADSTS900023: Specified tenant identifier '${TENANT}' is neither a valid DNS name, nor a valid external domain.`,
    type: 'MalformedTenant',
    message: `"${TENANT}" is not a valid tenant identifier (AADSTS900023). Set ENTRA_TENANT_ID to the tenant's GUID or its verified domain name.`,
  },
];

describe('authenticationFailure: AADSTS codes to actionable, non-retryable failures', () => {
  it.each(cases)('AADSTS$code -> $type', ({ code, description, type, message }) => {
    const failure = authenticationFailure(tokenError(code, description), context);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe(type);
    expect(failure.message).toBe(message);
    expect(failure.nonRetryable).toBe(true);
  });

  it.each(cases)('reads AADSTS$code from the message when the error has no errorResponse', ({ code, description, type }) => {
    // Some paths (endpoint discovery, a flattened error) leave only the text.
    const failure = authenticationFailure(new Error(description), context);
    expect(failure.type, String(code)).toBe(type);
  });

  it('leaves an unknown AADSTS code or a network failure retryable, quoting the first line', () => {
    const throttled = authenticationFailure(
      tokenError(50196, 'AADSTS50196: The server terminated an operation because it encountered a client request loop.\nTrace ID: 0'),
      context,
    );
    expect(throttled.type).toBe('AuthenticationFailed');
    expect(throttled.nonRetryable).toBe(false);
    expect(throttled.message).toContain(`app ${APP} in tenant ${TENANT}`);
    expect(throttled.message).toContain('AADSTS50196');
    expect(throttled.message).not.toContain('Trace ID');

    const offline = authenticationFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }), context);
    expect(offline.type).toBe('AuthenticationFailed');
    expect(offline.nonRetryable).toBe(false);
    expect(offline.message).toContain('ECONNREFUSED');
  });
});

// The token request carries the secret; whatever an identity error echoes must not reach the run record.
const failToken = vi.hoisted(() => ({ with: new Error('unset') as Error }));
vi.mock('../../activities/graph/credentials/createCredential', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../activities/graph/credentials/createCredential')>()),
  createCredential: (): TokenCredential => ({ getToken: async () => Promise.reject(failToken.with) }),
}));

describe('GraphSessions.open: a failed token request', () => {
  const connector: Connector = {
    id: 'c1',
    tenantId: TENANT,
    clientId: APP,
    graphBaseUrl: 'https://graph.example/v1.0',
    authorityHost: 'https://login.example',
    discoveryEnabled: false,
    enabled: true,
    credentialKind: 'clientSecret',
    federatedTokenFile: null,
    cloud: null,
  };
  const sessions = () => new GraphSessions(new StaticSecretStore(new Map([[connector.id, SECRET]])));

  it('is mapped by its AADSTS code', async () => {
    failToken.with = tokenError(cases[0]!.code, cases[0]!.description);
    await expect(sessions().open(connector, 'User.Read.All')).rejects.toMatchObject({ type: 'InvalidClientSecret', nonRetryable: true });
  });

  it('never carries the client secret in its message', async () => {
    failToken.with = new Error(`token request failed: POST body client_id=${APP}&client_secret=${SECRET}&grant_type=client_credentials`);
    const failure = await sessions().open(connector, 'User.Read.All').then(
      () => expect.fail('expected open to fail'),
      (e: unknown) => e as ApplicationFailure,
    );
    expect(failure.type).toBe('AuthenticationFailed');
    expect(failure.message).not.toContain(SECRET);
    expect(failure.message).toContain('client_secret=[redacted]');
  });
});

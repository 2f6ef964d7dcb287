import { constants, createHash, createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../simulator/server';
import { GRAPH_SCOPE, start } from './simulatorHelpers';
import { makeCertificate, makeIssuer } from './support/testCredentials';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const registered = makeCertificate();
const stranger = makeCertificate();
const issuer = makeIssuer('https://token.actions.githubusercontent.com');
const SUBJECT = 'repo:contoso/entra-sync:environment:prod';

let sim: RunningSimulator;
const tokenUrl = () => `${sim.config.authorityHost}/${sim.config.tenantId}/oauth2/v2.0/token`;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const thumbprint = (pem: string, algorithm: 'sha1' | 'sha256') => createHash(algorithm).update(new X509Certificate(pem).raw).digest('base64url');

/** A client assertion as Microsoft documents it, with any part overridden. */
function assertion(options: { cert?: typeof registered; header?: Record<string, unknown>; claims?: Record<string, unknown> } = {}): string {
  const cert = options.cert ?? registered;
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: 'RS256', typ: 'JWT', x5t: thumbprint(cert.certPem, 'sha1'), ...options.header };
  const claims = { aud: tokenUrl(), iss: sim.config.clientId, sub: sim.config.clientId, jti: randomUUID(), nbf: now, exp: now + 600, ...options.claims };
  const unsigned = `${b64(header)}.${b64(claims)}`;
  return `${unsigned}.${sign('sha256', Buffer.from(unsigned), createPrivateKey(cert.keyPem)).toString('base64url')}`;
}

async function requestToken(clientAssertion: string): Promise<{ status: number; body: { access_token?: string; error?: string; error_codes?: number[]; error_description?: string } }> {
  const response = await fetch(tokenUrl(), {
    method: 'POST',
    body: new URLSearchParams({ client_id: sim.config.clientId, client_assertion_type: JWT_BEARER, client_assertion: clientAssertion, scope: GRAPH_SCOPE, grant_type: 'client_credentials' }),
  });
  return { status: response.status, body: (await response.json()) as never };
}

beforeAll(async () => {
  sim = await start({ users: 5 });
  const answer = await fetch(`${sim.config.authorityHost}/_sim/app/certificates`, { method: 'POST', body: JSON.stringify({ certificate: registered.certPem }) });
  expect(answer.status).toBe(201);
  const federated = await fetch(`${sim.config.authorityHost}/_sim/app/federatedCredentials`, {
    method: 'POST',
    body: JSON.stringify({ name: 'github', issuer: issuer.issuer, subject: SUBJECT, issuerPublicKey: issuer.publicKeyPem }),
  });
  expect(federated.status).toBe(201);
});

afterAll(() => sim?.close());

describe('the simulated token endpoint verifies client assertions as Microsoft documents', () => {
  it('issues a token for an assertion signed by a registered certificate, named by x5t or x5t#S256', async () => {
    expect((await requestToken(assertion())).body.access_token).toBeTruthy();
    const s256 = assertion({ header: { alg: 'PS256', x5t: undefined, 'x5t#S256': thumbprint(registered.certPem, 'sha256') } });
    // PS256 needs PSS padding: sign that one again properly.
    const [h, c] = s256.split('.');
    const pss = sign('sha256', Buffer.from(`${h}.${c}`), { key: createPrivateKey(registered.keyPem), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }).toString('base64url');
    expect((await requestToken(`${h}.${c}.${pss}`)).body.access_token).toBeTruthy();
  });

  it.each([
    ['a certificate not registered on the app', 700027, 'invalid_client', () => assertion({ cert: stranger })],
    ['a signature by another key under a registered thumbprint', 700027, 'invalid_client', () => assertion({ cert: stranger, header: { x5t: thumbprint(registered.certPem, 'sha1') } })],
    ['iss and sub other than the client id', 700021, 'invalid_client', () => assertion({ claims: { iss: randomUUID(), sub: randomUUID() } })],
    ['an audience other than the token endpoint', 700023, 'invalid_client', () => assertion({ claims: { aud: 'https://login.microsoftonline.com/common/oauth2/v2.0/token' } })],
    ['an expired assertion', 700024, 'invalid_client', () => assertion({ claims: { nbf: 1_600_000_000, exp: 1_600_000_600 } })],
    ['an assertion not yet valid', 700024, 'invalid_client', () => assertion({ claims: { nbf: Math.floor(Date.now() / 1000) + 3600 } })],
    ['an assertion without jti', 50027, 'invalid_request', () => assertion({ claims: { jti: undefined } })],
    ['a federated token with another subject', 70021, 'invalid_client', () => issuer.token({ sub: 'repo:contoso/other:ref:refs/heads/main' })],
    ['a federated token with another audience', 70021, 'invalid_client', () => issuer.token({ sub: SUBJECT, aud: 'api://something-else' })],
    ['a federated token from another issuer', 70021, 'invalid_client', () => makeIssuer('https://evil.example').token({ sub: SUBJECT })],
    ['an expired federated token', 700024, 'invalid_client', () => issuer.token({ sub: SUBJECT, lifetimeSeconds: -3600 })],
  ])('refuses %s with AADSTS%s', async (_case, code, error, make) => {
    const answer = await requestToken(make());
    expect(answer.body.error_codes).toEqual([code]);
    expect(answer.body.error).toBe(error);
    expect(answer.body.error_description).toMatch(new RegExp(`^AADSTS${code}: `));
  });

  it('accepts a federated token whose issuer, subject and audience api://AzureADTokenExchange match a federated credential', async () => {
    expect((await requestToken(issuer.token({ sub: SUBJECT }))).body.access_token).toBeTruthy();
    expect(sim.application.acceptedAssertions?.at(-1)).toMatchObject({ kind: 'federated', credential: 'github', subject: SUBJECT });
  });

  // MSAL Node reuses a certificate assertion until it expires (ClientAssertion.getJwt) and works
  // against Entra: a jti presented again within the assertion's lifetime is accepted.
  it('accepts an assertion presented again within its lifetime, as Entra does for MSAL\'s cached one', async () => {
    const once = assertion();
    expect((await requestToken(once)).body.access_token).toBeTruthy();
    expect((await requestToken(once)).body.access_token).toBeTruthy();
    const jtis = (sim.application.acceptedAssertions ?? []).slice(-2).map((a) => a.jti);
    expect(jtis[0]).toBe(jtis[1]);
  });

  it('says an expired certificate is expired', async () => {
    const old = makeCertificate({ notBefore: new Date(Date.now() - 2 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    await fetch(`${sim.config.authorityHost}/_sim/app/certificates`, { method: 'POST', body: JSON.stringify({ certificate: old.certPem }) });
    const answer = await requestToken(assertion({ cert: old }));
    expect(answer.body.error_codes).toEqual([700027]);
    expect(answer.body.error_description).toMatch(/is expired on application/);
  });
});

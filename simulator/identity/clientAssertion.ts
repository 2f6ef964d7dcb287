import { constants, createPublicKey, verify } from 'node:crypto';
import { AADSTS } from './identityErrors';
import type { ClientApplication, FederatedCredential } from './clientApplication';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';
/** Entra tolerates some clock skew on exp and nbf (unconfirmed how much; five minutes here, as MSAL's own). */
const SKEW_SECONDS = 300;

export type AssertionFailure = { kind: (typeof AADSTS)[keyof typeof AADSTS]; message: string };
export type AssertionResult = { ok: true } | ({ ok: false } & AssertionFailure);

type Jwt = { header: Record<string, unknown>; claims: Record<string, unknown>; signed: string; signature: Buffer };

/**
 * Verifies a client assertion the way Microsoft's certificate-credentials and workload identity
 * federation documents describe it. With an `x5t` / `x5t#S256` header it is the app's own
 * assertion: signed (RS256 or PS256) by a certificate registered on the app, `aud` the token
 * endpoint, `iss` = `sub` = the client id, `jti` present, within `nbf`..`exp`. Without one it is an
 * external token: its issuer, subject and audience must match a federated credential of the app,
 * and its signature the issuer's key.
 */
export function verifyClientAssertion(assertion: string, app: ClientApplication, tokenEndpoints: string[], now: Date): AssertionResult {
  const jwt = parseJwt(assertion);
  if (!jwt) return fail(AADSTS.invalidJwt, 'JWT token is invalid or malformed.');
  const x5t = typeof jwt.header.x5t === 'string' ? jwt.header.x5t : undefined;
  const x5tS256 = typeof jwt.header['x5t#S256'] === 'string' ? jwt.header['x5t#S256'] : undefined;
  const time = timeRange(jwt.claims, now);
  if (x5t || x5tS256) {
    const result = verifyCertificateAssertion(jwt, app, tokenEndpoints, { x5t, x5tS256 }, now);
    if (!result.ok) return result;
    if (time) return time;
    if (typeof jwt.claims.jti !== 'string' || !jwt.claims.jti) return fail(AADSTS.invalidJwt, "JWT token is invalid or malformed: the claim 'jti' is missing.");
    (app.acceptedAssertions ??= []).push({ kind: 'certificate', thumbprint: (x5tS256 ?? x5t)!, jti: jwt.claims.jti });
    return { ok: true };
  }
  const federated = matchFederatedCredential(jwt, app);
  if (!federated.ok) return federated;
  if (time) return time;
  (app.acceptedAssertions ??= []).push({
    kind: 'federated',
    credential: federated.credential.name,
    subject: String(jwt.claims.sub),
    ...(typeof jwt.claims.jti === 'string' ? { jti: jwt.claims.jti } : {}),
  });
  return { ok: true };
}

function verifyCertificateAssertion(
  jwt: Jwt,
  app: ClientApplication,
  tokenEndpoints: string[],
  thumbprints: { x5t?: string; x5tS256?: string },
  now: Date,
): AssertionResult {
  const clientId = app.clientId.toLowerCase();
  if (String(jwt.claims.iss ?? '').toLowerCase() !== clientId || String(jwt.claims.sub ?? '').toLowerCase() !== clientId) {
    return fail(AADSTS.assertionAppMismatch, `Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://aka.ms/certCreds .`);
  }
  const audiences = Array.isArray(jwt.claims.aud) ? jwt.claims.aud.map(String) : [String(jwt.claims.aud ?? '')];
  if (!audiences.some((a) => tokenEndpoints.includes(a.toLowerCase()))) {
    return fail(AADSTS.assertionAudienceMismatch, `Client assertion audience claim does not match Realm issuer. Review the documentation at https://aka.ms/certCreds .`);
  }
  const certificate = (app.certificates ?? []).find((c) => (thumbprints.x5tS256 ? c.x5tS256 === thumbprints.x5tS256 : c.x5t === thumbprints.x5t));
  const identifier = thumbprints.x5tS256 ?? thumbprints.x5t;
  if (!certificate) {
    return fail(
      AADSTS.invalidAssertionSignature,
      `The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., Thumbprint of key used by client: '${identifier}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${app.clientId}'. Review the documentation at https://aka.ms/certCreds to learn more.]`,
    );
  }
  if (!signatureVerifies(jwt, certificate.publicKeyPem)) {
    return fail(AADSTS.invalidAssertionSignature, `Client assertion contains an invalid signature. [Reason - The key used is not the one registered for thumbprint '${identifier}'.]`);
  }
  if (certificate.notAfter.getTime() <= now.getTime()) {
    return fail(
      AADSTS.invalidAssertionSignature,
      `The certificate with identifier used to sign the client assertion is expired on application. [Reason - The key used is expired., Thumbprint of key used by client: '${identifier}', Found key 'Start=${certificate.notBefore.toISOString()}, End=${certificate.notAfter.toISOString()}'.]`,
    );
  }
  return { ok: true };
}

function matchFederatedCredential(jwt: Jwt, app: ClientApplication): ({ ok: true; credential: FederatedCredential }) | ({ ok: false } & AssertionFailure) {
  const issuer = String(jwt.claims.iss ?? '');
  const subject = String(jwt.claims.sub ?? '');
  const audiences = Array.isArray(jwt.claims.aud) ? jwt.claims.aud.map(String) : [String(jwt.claims.aud ?? '')];
  const credential = (app.federatedCredentials ?? []).find(
    (c) => c.issuer === issuer && c.subject === subject && c.audiences.some((a) => audiences.includes(a)),
  );
  if (!credential) {
    return fail(
      AADSTS.noFederatedCredential,
      `No matching federated identity record found for presented assertion. Assertion Issuer: '${issuer}'. Assertion Subject: '${subject}'. Assertion Audience: '${audiences.join(',')}'. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`,
    );
  }
  if (!signatureVerifies(jwt, credential.issuerPublicKeyPem)) {
    return fail(AADSTS.invalidJwt, `JWT token is invalid or malformed: the signature of the presented assertion does not verify with the keys of issuer '${issuer}'.`);
  }
  return { ok: true, credential };
}

function timeRange(claims: Record<string, unknown>, now: Date): AssertionFailure & { ok: false } | undefined {
  const seconds = now.getTime() / 1000;
  const exp = typeof claims.exp === 'number' ? claims.exp : undefined;
  const nbf = typeof claims.nbf === 'number' ? claims.nbf : undefined;
  if (exp === undefined || seconds > exp + SKEW_SECONDS || (nbf !== undefined && seconds < nbf - SKEW_SECONDS)) {
    const at = (s: number | undefined) => (s === undefined ? 'missing' : new Date(s * 1000).toISOString());
    return fail(AADSTS.assertionTimeRange, `Client assertion is not within its valid time range. Current time: ${now.toISOString()}, assertion valid from ${at(nbf)}, expiry time of assertion ${at(exp)}. Review the documentation at https://aka.ms/certCreds .`);
  }
  return undefined;
}

function signatureVerifies(jwt: Jwt, publicKeyPem: string): boolean {
  const key = createPublicKey(publicKeyPem);
  const data = Buffer.from(jwt.signed);
  try {
    if (jwt.header.alg === 'RS256') return verify('sha256', data, key, jwt.signature);
    if (jwt.header.alg === 'PS256') {
      return verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, jwt.signature);
    }
  } catch {
    return false;
  }
  return false;
}

function parseJwt(token: string): Jwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    return { header, claims, signed: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2]!, 'base64url') };
  } catch {
    return undefined;
  }
}

function fail(kind: AssertionFailure['kind'], message: string): { ok: false } & AssertionFailure {
  return { ok: false, kind, message };
}


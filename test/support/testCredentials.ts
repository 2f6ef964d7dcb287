import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import forge from 'node-forge';

/** A certificate made at test time: its PEM, its private key, the two together, and as PFX. */
export type TestCertificate = { certPem: string; keyPem: string; bundlePem: string; pfx(password: string): Buffer };

/** An RSA certificate valid from `notBefore` to `notAfter` (node:crypto makes the key, node-forge the X.509). */
export function makeCertificate(options: { notBefore?: Date; notAfter?: Date; commonName?: string } = {}): TestCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = `01${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 365 * 86_400_000);
  const name = [{ name: 'commonName', value: options.commonName ?? 'entra-sync test' }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.sign(forgeKey, forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  return {
    certPem,
    keyPem,
    bundlePem: `${keyPem}${certPem}`,
    pfx: (password) => Buffer.from(forge.asn1.toDer(forge.pkcs12.toPkcs12Asn1(forgeKey, [cert], password, { algorithm: '3des' })).getBytes(), 'binary'),
  };
}

/** An external identity provider that signs federated tokens (RS256), as Kubernetes signs service account tokens. */
export function makeIssuer(issuer: string) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    issuer,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    token(claims: { sub: string; aud?: string; lifetimeSeconds?: number }): string {
      const now = Math.floor(Date.now() / 1000);
      const header = { alg: 'RS256', typ: 'JWT', kid: 'test' };
      const body = { iss: issuer, sub: claims.sub, aud: claims.aud ?? 'api://AzureADTokenExchange', iat: now, nbf: now, exp: now + (claims.lifetimeSeconds ?? 3600), jti: randomUUID() };
      const unsigned = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(body)).toString('base64url')}`;
      return `${unsigned}.${sign('sha256', Buffer.from(unsigned), privateKey).toString('base64url')}`;
    },
  };
}

export const jtiOf = (token: string): string => (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { jti: string }).jti;

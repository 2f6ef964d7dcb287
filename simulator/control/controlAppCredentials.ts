import { z } from 'zod';
import { addFederatedCredential, registerCertificate } from '../identity/appCredentials';
import type { ClientApplication } from '../identity/clientApplication';
import type { RouteHandler, Router } from '../http/router';
import { guarded, noContent, ok, parse } from './controlResponses';

const secretSchema = z.object({ expiresAt: z.iso.datetime({ offset: true }).nullable() }).strict();
const certificateSchema = z.object({ certificate: z.string().min(1) }).strict();
const federatedSchema = z
  .object({
    name: z.string().min(1),
    issuer: z.string().min(1),
    subject: z.string().min(1),
    audiences: z.array(z.string().min(1)).min(1).optional(),
    issuerPublicKey: z.string().min(1),
  })
  .strict();

/**
 * The app registration's credentials, as the Entra admin center manages them: certificates
 * (public part only), federated identity credentials and the client secret's end date. Assertions the token endpoint accepted
 * are listed for tests.
 */
export function registerAppCredentialControlRoutes(router: Router, prefix: string, app: ClientApplication): void {
  const route = (method: string, path: string, handler: RouteHandler) => router.add(method, `${prefix}${path}`, guarded(handler));

  route('POST', '/app/certificates', (request) => {
    const registered = registerCertificate(app, parse(certificateSchema, request).certificate);
    return ok({ x5t: registered.x5t, 'x5t#S256': registered.x5tS256, notBefore: registered.notBefore, notAfter: registered.notAfter }, 201);
  });
  route('DELETE', '/app/certificates', () => {
    app.certificates = [];
    return noContent();
  });
  route('POST', '/app/federatedCredentials', (request) => {
    const body = parse(federatedSchema, request);
    const added = addFederatedCredential(app, {
      name: body.name,
      issuer: body.issuer,
      subject: body.subject,
      issuerPublicKeyPem: body.issuerPublicKey,
      ...(body.audiences ? { audiences: body.audiences } : {}),
    });
    return ok({ name: added.name, issuer: added.issuer, subject: added.subject, audiences: added.audiences }, 201);
  });
  route('DELETE', '/app/federatedCredentials', () => {
    app.federatedCredentials = [];
    return noContent();
  });
  // The client secret's end date (null: none); past it, by the tenant's clock, the token endpoint answers AADSTS7000222.
  route('PATCH', '/app/secret', (request) => {
    const { expiresAt } = parse(secretSchema, request);
    if (expiresAt === null) delete app.secretExpiresAt;
    else app.secretExpiresAt = new Date(expiresAt);
    return ok({ expiresAt: app.secretExpiresAt?.toISOString() ?? null });
  });
  route('GET', '/app/assertions', () => ok(app.acceptedAssertions ?? []));
}

import { directoryAuditSchema, premiumSchema, signInSchema } from './controlDirectorySchemas';
import { guarded, ok, parse } from './controlResponses';
import type { RouteHandler, Router } from '../http/router';
import type { NewDirectoryAudit, NewSignIn, TenantStore } from '../tenant/tenantStore';

/** /_sim routes that add audit events and sign-ins, and switch the P1/P2 licence. */
export function registerActivityControlRoutes(router: Router, prefix: string, tenant: TenantStore): void {
  const route = (method: string, path: string, handler: RouteHandler) => router.add(method, `${prefix}${path}`, guarded(handler));
  route('POST', '/directoryAudits', (request) => ok(tenant.recordDirectoryAudit(parse(directoryAuditSchema, request) as NewDirectoryAudit), 201));
  route('POST', '/signIns', (request) => ok(tenant.recordSignIn(parse(signInSchema, request) as NewSignIn), 201));
  route('GET', '/tenant/premium', () => ok({ premium: tenant.premium }));
  route('PUT', '/tenant/premium', (request) => {
    tenant.setPremium(parse(premiumSchema, request).premium);
    return ok({ premium: tenant.premium });
  });
}

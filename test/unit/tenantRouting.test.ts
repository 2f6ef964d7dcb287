import { describe, expect, it } from 'vitest';
import { routeToTenant } from '../../simulator/http/tenantRouting';

// Two served tenants, by tenant id and initial domain (lower-cased, as the simulator keeps them).
const A = '11111111-1111-1111-1111-111111111111';
const B = '22222222-2222-2222-2222-222222222222';
const tenants = [
  [A, 'contoso.onmicrosoft.com'],
  [B, 'fabrikam.onmicrosoft.com'],
];

/** A bearer header whose token carries these claims (unsigned: routing never verifies). */
const bearer = (claims: Record<string, unknown>) =>
  `Bearer ${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;

describe('which tenant a request of a multi-tenant simulator is for', () => {
  it('routes the identity platform by the tenant in the path, by id or domain, in any case', () => {
    expect(routeToTenant(`/${B}/oauth2/v2.0/token`, undefined, tenants)).toEqual({ index: 1 });
    expect(routeToTenant('/FABRIKAM.onmicrosoft.com/v2.0/.well-known/openid-configuration', undefined, tenants)).toEqual({ index: 1 });
    expect(routeToTenant(`/${A}/oauth2/v2.0/token`, undefined, tenants)).toEqual({ index: 0 });
  });

  it('routes Graph by the tid of the bearer token, never by the path', () => {
    expect(routeToTenant('/v1.0/users?$top=5', bearer({ tid: B, appid: 'x' }), tenants)).toEqual({ index: 1 });
    expect(routeToTenant(`/beta/users/${B}`, bearer({ tid: A, appid: 'x' }), tenants)).toEqual({ index: 0 });
  });

  it('sends what names no served tenant to the first, whose routes answer it as a single tenant would', () => {
    expect(routeToTenant('/v1.0/users', undefined, tenants)).toEqual({ index: 0 });
    expect(routeToTenant('/v1.0/users', bearer({ tid: '33333333-3333-3333-3333-333333333333', appid: 'x' }), tenants)).toEqual({ index: 0 });
    expect(routeToTenant('/common/oauth2/v2.0/token', undefined, tenants)).toEqual({ index: 0 });
    expect(routeToTenant('/_sim/config', undefined, tenants)).toEqual({ index: 0 });
    expect(routeToTenant('/_sim/tenants', undefined, tenants)).toEqual({ index: 0 });
  });

  it("rewrites the tenant-addressed control API to that tenant's own /_sim path, query kept", () => {
    expect(routeToTenant(`/_sim/tenants/${B}/truth/memberships?x=1`, undefined, tenants)).toEqual({ index: 1, path: '/_sim/truth/memberships?x=1' });
    expect(routeToTenant(`/_sim/tenants/${A}/faults`, undefined, tenants)).toEqual({ index: 0, path: '/_sim/faults' });
    // Unknown: the path is kept, no route matches it, and the first tenant answers 404.
    expect(routeToTenant('/_sim/tenants/nobody/config', undefined, tenants)).toEqual({ index: 0 });
  });
});

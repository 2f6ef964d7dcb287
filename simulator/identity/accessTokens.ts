import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ClientApplication } from './clientApplication';

export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/** The claims of a simulated app-only Graph access token (v1 token shape, as Graph issues). */
export interface AccessTokenClaims {
  aud: string;
  iss: string;
  iat: number;
  nbf: number;
  exp: number;
  tid: string;
  appid: string;
  app_displayname: string;
  oid: string;
  sub: string;
  idtyp: 'app';
  ver: '1.0';
  uti: string;
  /** Absent when the app has no consented permissions, as in Entra. */
  roles?: string[];
}

export type TokenCheck =
  | { ok: true; claims: AccessTokenClaims }
  | { ok: false; reason: 'malformed' | 'badSignature' | 'expired' | 'notYetValid' | 'wrongAudience' | 'wrongTenant' };

/** Issues and verifies HMAC-signed, JWT-shaped tokens. Key derives from tenant + seed. */
export class AccessTokenAuthority {
  private readonly key: Buffer;

  constructor(
    private readonly tenantId: string,
    seed: number,
    public lifetimeSeconds: number,
  ) {
    this.key = createHmac('sha256', 'entra-sync-simulator').update(`access-token|${tenantId}|${seed}`).digest();
  }

  issue(app: ClientApplication, options: { lifetimeSeconds?: number; roles?: string[]; now?: Date } = {}): {
    token: string;
    claims: AccessTokenClaims;
  } {
    const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
    const roles = options.roles ?? app.grantedPermissions;
    const claims: AccessTokenClaims = {
      aud: GRAPH_AUDIENCE,
      iss: `https://sts.windows.net/${this.tenantId}/`,
      iat: now,
      nbf: now,
      exp: now + (options.lifetimeSeconds ?? this.lifetimeSeconds),
      tid: this.tenantId,
      appid: app.clientId,
      app_displayname: app.displayName,
      oid: app.servicePrincipalId,
      sub: app.servicePrincipalId,
      idtyp: 'app',
      ver: '1.0',
      uti: randomBytes(16).toString('base64url'),
      ...(roles.length > 0 ? { roles: [...roles] } : {}),
    };
    const header = { typ: 'JWT', alg: 'HS256', kid: 'entra-sync-simulator' };
    const unsigned = `${encodeJson(header)}.${encodeJson(claims)}`;
    return { token: `${unsigned}.${this.sign(unsigned)}`, claims };
  }

  verify(token: string, nowMs = Date.now()): TokenCheck {
    const parts = token.split('.');
    if (parts.length !== 3) return { ok: false, reason: 'malformed' };
    const [header, payload, signature] = parts as [string, string, string];
    const expected = Buffer.from(this.sign(`${header}.${payload}`), 'base64url');
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'badSignature' };
    let claims: AccessTokenClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as AccessTokenClaims;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    const now = nowMs / 1000;
    if (claims.aud !== GRAPH_AUDIENCE && claims.aud !== GRAPH_APP_ID) return { ok: false, reason: 'wrongAudience' };
    if (claims.tid !== this.tenantId) return { ok: false, reason: 'wrongTenant' };
    if (now >= claims.exp) return { ok: false, reason: 'expired' };
    if (now < claims.nbf) return { ok: false, reason: 'notYetValid' };
    return { ok: true, claims };
  }

  private sign(unsigned: string): string {
    return createHmac('sha256', this.key).update(unsigned).digest('base64url');
  }
}

function encodeJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

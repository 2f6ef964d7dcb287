import { createHmac, timingSafeEqual } from 'node:crypto';

/** Key for list $skiptokens, derived like the delta key so a restarted simulator accepts old links. */
export function derivePageTokenKey(tenantId: string, seed: number): Buffer {
  return createHmac('sha256', 'entra-sync-simulator').update(`page-token|${tenantId.toLowerCase()}|${seed}`).digest();
}

/**
 * Opaque, tamper-proof $skiptoken of list endpoints: base64url(JSON) "." base64url(HMAC).
 * It binds the cursor to the path it was issued for.
 */
export class PageTokenCodec {
  constructor(private readonly key: Buffer) {}

  encode(path: string, cursor: string): string {
    const payload = Buffer.from(JSON.stringify({ p: path.toLowerCase(), c: cursor })).toString('base64url');
    return `${payload}.${this.sign(payload).toString('base64url')}`;
  }

  /** The cursor, or undefined when the token is garbled, forged or issued for another path. */
  decode(path: string, token: string): string | undefined {
    const [payload, signature, ...rest] = token.split('.');
    if (!payload || !signature || rest.length > 0) return undefined;
    const expected = this.sign(payload);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { p?: unknown; c?: unknown };
      return value.p === path.toLowerCase() && typeof value.c === 'string' ? value.c : undefined;
    } catch {
      return undefined;
    }
  }

  private sign(payload: string): Buffer {
    return createHmac('sha256', this.key).update(payload).digest();
  }
}

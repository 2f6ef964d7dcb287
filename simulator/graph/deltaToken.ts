import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Where a delta round stands:
 * - initial: paging through the first full snapshot;
 * - changes: paging through the changes of a later round;
 * - deltaLink: the cursor handed out at the end of a round.
 */
export type DeltaPhase = 'initial' | 'changes' | 'deltaLink';

export interface DeltaPosition {
  stream: string;
  phase: DeltaPhase;
  /** Changes after this sequence are reported (exclusive). 0 in the initial round. */
  fromSeq: number;
  /** Snapshot of the round (inclusive): later changes wait for the next round. */
  toSeq: number;
  /** Last id already returned in this round; null at the start. */
  afterId: string | null;
  /**
   * Set while an object's linked collection (a group's members) is split across pages:
   * `afterId` is then the object in progress and this the last linked id already returned.
   */
  afterLinkId: string | null;
  /** `$filter=id eq '…'`: the only ids this cursor tracks (null: all). */
  ids: string[] | null;
  /** The $select of the round (canonical names); null means the default property set. */
  select: string[] | null;
  /** Milliseconds since the epoch when the token was minted. */
  issuedAt: number;
  /** Expiry generation of the stream when minted (see DeltaTokenLifecycle). */
  expiryGeneration: number;
  /** Reset generation of the stream when minted. */
  resetGeneration: number;
}

interface WirePosition {
  v: 1;
  s: string;
  p: DeltaPhase;
  f: number;
  t: number;
  a: string | null;
  /** Optional on the wire: tokens minted before these fields existed stay valid. */
  m?: string | null;
  d?: string[] | null;
  l: string[] | null;
  i: number;
  e: number;
  r: number;
}

const PHASES: ReadonlySet<string> = new Set(['initial', 'changes', 'deltaLink']);

/** The HMAC key, derived from tenant and seed so a restarted simulator still accepts old tokens. */
export function deriveDeltaTokenKey(tenantId: string, seed: number): Buffer {
  return createHmac('sha256', 'entra-sync-simulator').update(`delta-token|${tenantId.toLowerCase()}|${seed}`).digest();
}

/** Opaque, tamper-proof delta tokens: base64url(JSON) "." base64url(HMAC-SHA256). */
export class DeltaTokenCodec {
  constructor(private readonly key: Buffer) {}

  encode(position: DeltaPosition): string {
    const wire: WirePosition = {
      v: 1,
      s: position.stream,
      p: position.phase,
      f: position.fromSeq,
      t: position.toSeq,
      a: position.afterId,
      ...(position.afterLinkId !== null ? { m: position.afterLinkId } : {}),
      ...(position.ids !== null ? { d: position.ids } : {}),
      l: position.select,
      i: position.issuedAt,
      e: position.expiryGeneration,
      r: position.resetGeneration,
    };
    const payload = Buffer.from(JSON.stringify(wire)).toString('base64url');
    return `${payload}.${this.sign(payload).toString('base64url')}`;
  }

  /** Undefined when the token is garbled or its signature does not match. */
  decode(token: string): DeltaPosition | undefined {
    const [payload, signature, ...rest] = token.split('.');
    if (!payload || !signature || rest.length > 0) return undefined;
    const expected = this.sign(payload);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let wire: unknown;
    try {
      wire = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    return isWirePosition(wire)
      ? {
          stream: wire.s,
          phase: wire.p,
          fromSeq: wire.f,
          toSeq: wire.t,
          afterId: wire.a,
          afterLinkId: wire.m ?? null,
          ids: wire.d ?? null,
          select: wire.l,
          issuedAt: wire.i,
          expiryGeneration: wire.e,
          resetGeneration: wire.r,
        }
      : undefined;
  }

  private sign(payload: string): Buffer {
    return createHmac('sha256', this.key).update(payload).digest();
  }
}

function isWirePosition(value: unknown): value is WirePosition {
  if (typeof value !== 'object' || value === null) return false;
  const wire = value as Record<string, unknown>;
  return (
    wire.v === 1 &&
    typeof wire.s === 'string' &&
    typeof wire.p === 'string' &&
    PHASES.has(wire.p) &&
    Number.isInteger(wire.f) &&
    Number.isInteger(wire.t) &&
    (wire.a === null || typeof wire.a === 'string') &&
    (wire.m === undefined || wire.m === null || typeof wire.m === 'string') &&
    (wire.d === undefined || wire.d === null || isStringArray(wire.d)) &&
    (wire.l === null || isStringArray(wire.l)) &&
    Number.isFinite(wire.i) &&
    Number.isInteger(wire.e) &&
    Number.isInteger(wire.r)
  );
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

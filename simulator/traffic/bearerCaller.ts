/** The app + tenant a Graph request is made by: the scope of its throttling buckets. */
export interface GraphCaller {
  appId: string;
  tenantId: string;
}

/**
 * Reads `appid` and `tid` from the bearer token without verifying it: the endpoint verifies it
 * anyway, and throttling only needs to know whose bucket to charge. Undefined without a
 * readable token (the endpoint will answer 401, unthrottled).
 */
export function bearerCaller(authorization: string | undefined): GraphCaller | undefined {
  // A client sends the same token for an hour: decode it once.
  if (authorization !== undefined && authorization === lastDecoded.authorization) return lastDecoded.caller;
  const caller = decodeCaller(authorization);
  lastDecoded = { authorization, caller };
  return caller;
}

let lastDecoded: { authorization: string | undefined; caller: GraphCaller | undefined } = { authorization: undefined, caller: undefined };

function decodeCaller(authorization: string | undefined): GraphCaller | undefined {
  const match = /^Bearer\s+([^.\s]+)\.([^.\s]+)\.[^.\s]*\s*$/i.exec(authorization ?? '');
  if (!match) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(match[2] as string, 'base64url').toString('utf8')) as Record<string, unknown>;
    const appId = claims.appid ?? claims.azp;
    const tenantId = claims.tid;
    if (typeof appId !== 'string' || typeof tenantId !== 'string') return undefined;
    return { appId: appId.toLowerCase(), tenantId: tenantId.toLowerCase() };
  } catch {
    return undefined;
  }
}

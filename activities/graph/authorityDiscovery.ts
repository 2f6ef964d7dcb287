/**
 * MSAL fetches `{authority}/{tenant}/v2.0/.well-known/openid-configuration` before asking for a
 * token; for an unknown or malformed tenant that answer is an AADSTS error (90002, 900023), but
 * MSAL reports only `endpoints_resolution_error`. Asking the same URL again recovers the code,
 * in the shape authenticationFailure() reads (`errorResponse`).
 */
export type AuthorityError = { errorResponse: { errorCodes?: number[]; errorDescription?: string } };

const TIMEOUT_MS = 10_000;

export function isEndpointResolutionError(err: unknown): boolean {
  const e = err as { errorCode?: string; message?: string } | undefined;
  return e?.errorCode === 'endpoints_resolution_error' || /endpoints_resolution_error/.test(e?.message ?? '');
}

export async function explainAuthorityFailure(authorityHost: string, tenantId: string): Promise<AuthorityError | undefined> {
  const url = `${authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(tenantId)}/v2.0/.well-known/openid-configuration`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (response.ok) return undefined;
    const body = (await response.json()) as { error_codes?: unknown; error_description?: unknown };
    const errorCodes = Array.isArray(body.error_codes) ? body.error_codes.filter((c): c is number => typeof c === 'number') : undefined;
    const errorDescription = typeof body.error_description === 'string' ? body.error_description : undefined;
    return errorCodes || errorDescription ? { errorResponse: { errorCodes, errorDescription } } : undefined;
  } catch {
    return undefined;
  }
}

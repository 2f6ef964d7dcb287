import type { SimRequest, SimResponse } from '../http/simRequest';

/** The error codes the simulated token service can answer with, and their HTTP status. */
export const AADSTS = {
  missingParameter: { code: 900144, error: 'invalid_request', status: 400 },
  unknownTenant: { code: 90002, error: 'invalid_request', status: 400 },
  unknownTenantDiscovery: { code: 90002, error: 'invalid_tenant', status: 400 },
  malformedTenant: { code: 900023, error: 'invalid_request', status: 400 },
  malformedTenantDiscovery: { code: 900023, error: 'invalid_tenant', status: 400 },
  unknownClient: { code: 700016, error: 'unauthorized_client', status: 400 },
  unsupportedGrantType: { code: 70003, error: 'unsupported_grant_type', status: 400 },
  missingSecret: { code: 7000218, error: 'invalid_client', status: 401 },
  wrongSecret: { code: 7000215, error: 'invalid_client', status: 401 },
  expiredSecret: { code: 7000222, error: 'invalid_client', status: 401 },
  // Client assertions (certificate credentials, workload identity federation).
  invalidJwt: { code: 50027, error: 'invalid_request', status: 400 },
  invalidAssertionSignature: { code: 700027, error: 'invalid_client', status: 401 },
  assertionAppMismatch: { code: 700021, error: 'invalid_client', status: 401 },
  assertionAudienceMismatch: { code: 700023, error: 'invalid_client', status: 401 },
  assertionTimeRange: { code: 700024, error: 'invalid_client', status: 401 },
  noFederatedCredential: { code: 70021, error: 'invalid_client', status: 401 },
  invalidScope: { code: 1002012, error: 'invalid_scope', status: 400 },
  unknownResource: { code: 500011, error: 'invalid_resource', status: 400 },
  temporarilyUnavailable: { code: 50196, error: 'temporarily_unavailable', status: 503 },
} as const;

export type AadstsError = (typeof AADSTS)[keyof typeof AADSTS];

/**
 * Identity-platform error body, shaped like Entra's: the AADSTS code leads the description
 * and trace/correlation ids follow after CRLFs. MSAL and @azure/identity surface the
 * description, so connectors can recognise e.g. 7000215 in the message.
 */
export function aadError(
  request: SimRequest,
  kind: { code: number; error: string; status: number },
  message: string,
  errorUriBase: string,
  status: number = kind.status,
): SimResponse {
  const correlationId = request.clientRequestId;
  const timestamp = request.receivedAt.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store, no-cache', pragma: 'no-cache' },
    json: {
      error: kind.error,
      error_description: `AADSTS${kind.code}: ${message}\r\nTrace ID: ${request.requestId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
      error_codes: [kind.code],
      timestamp,
      trace_id: request.requestId,
      correlation_id: correlationId,
      error_uri: `${errorUriBase}/error?code=${kind.code}`,
    },
  };
}

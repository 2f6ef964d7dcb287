import type { SimRequest, SimResponse } from '../http/simRequest';

/** Graph's own Content-Type for OData JSON. */
export const GRAPH_JSON_CONTENT_TYPE =
  'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

export function graphJson(status: number, body: unknown, headers: Record<string, string> = {}): SimResponse {
  return {
    status,
    headers: { 'content-type': GRAPH_JSON_CONTENT_TYPE, 'odata-version': '4.0', ...headers },
    json: body,
  };
}

/** Graph error envelope; clients branch on `code`, so codes follow Graph exactly. */
export function graphError(
  request: SimRequest,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): SimResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    json: {
      error: {
        code,
        message,
        innerError: {
          date: request.receivedAt.toISOString().replace(/\.\d{3}Z$/, ''),
          'request-id': request.requestId,
          'client-request-id': request.clientRequestId,
        },
      },
    },
  };
}

/** The code Graph typically uses for a bare HTTP failure status. */
export function defaultGraphErrorFor(status: number): { code: string; message: string } {
  switch (status) {
    case 400:
      return { code: 'Request_BadRequest', message: 'Bad request.' };
    case 401:
      return { code: 'InvalidAuthenticationToken', message: 'Access token validation failure.' };
    case 403:
      return { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' };
    case 404:
      return { code: 'Request_ResourceNotFound', message: 'Resource not found.' };
    case 429:
      return { code: 'TooManyRequests', message: 'Please retry again later.' };
    case 500:
      return { code: 'generalException', message: 'General exception while processing.' };
    case 502:
      return { code: 'BadGateway', message: 'Bad gateway.' };
    case 503:
      return { code: 'ServiceUnavailable', message: 'Service is temporarily unavailable. Please retry later.' };
    case 504:
      return { code: 'GatewayTimeout', message: 'The gateway did not receive a response in time.' };
    default:
      return { code: status >= 500 ? 'UnknownError' : 'BadRequest', message: `HTTP ${status}.` };
  }
}

/** A rejected query option: Request_UnsupportedQuery when valid but unsupported, else Request_BadRequest. */
export function queryError(request: SimRequest, failure: { message: string; unsupported?: boolean }): SimResponse {
  return graphError(request, 400, failure.unsupported ? 'Request_UnsupportedQuery' : 'Request_BadRequest', failure.message);
}

import type { Router } from '../http/router';
import type { SimRequest, SimResponse } from '../http/simRequest';
import { graphError } from './graphResponses';

/** Routes one Graph request (a top-level one or a $batch sub-request) to its handler. */
export type GraphDispatcher = (request: SimRequest) => Promise<SimResponse>;

/**
 * Routes a Graph request through `router` with Graph's answers for what no handler serves:
 * 405 for a wrong method, 400 "Resource not found for the segment" for unknown paths, 500 when
 * a handler throws. $batch sub-requests go through here one by one, so anything wrapping this
 * function (throttling, faults) sees each sub-request as a request of its own.
 */
export async function dispatchGraphRequest(router: Router, request: SimRequest): Promise<SimResponse> {
  const match = router.match(request.method, request.url.pathname);
  if (match.kind === 'found') {
    try {
      return await match.handler(request, match.params);
    } catch (error) {
      console.error('simulator: Graph handler failed', error);
      return graphError(request, 500, 'generalException', 'General exception while processing.');
    }
  }
  if (match.kind === 'methodNotAllowed') {
    return graphError(request, 405, 'Request_BadRequest', `The HTTP method '${request.method}' is not allowed for this resource.`, {
      allow: match.allowed.join(', '),
    });
  }
  const segment = request.url.pathname.split('/').filter(Boolean).slice(1).join('/') || '/';
  return graphError(request, 400, 'BadRequest', `Resource not found for the segment '${segment}'. (Not simulated.)`);
}

// POST /v1.0/$batch: up to 20 sub-requests, each authorised, routed (and, through the hooks,
// faulted or throttled) on its own; answers in a shuffled but reproducible order.

import { randomUUID } from 'node:crypto';
import type { AccessTokenAuthority } from '../identity/accessTokens';
import { faultRetryAfterHeaders, type FaultInjector } from '../traffic/faults';
import type { SimRequest, SimResponse } from '../http/simRequest';
import type { PublicOrigin } from '../http/publicOrigin';
import { createRandom, hashSeed } from '../generate/random';
import { authorizeGraphRequest } from './graphAuthorization';
import type { GraphDispatcher } from './graphDispatch';
import { defaultGraphErrorFor, graphError, graphJson } from './graphResponses';

export const MAX_BATCH_REQUESTS = 20;

/**
 * Lets the request pipeline answer a sub-request before its handler runs (e.g. a throttling
 * 429 with its own Retry-After); undefined lets it through.
 */
export type BeforeSubRequest = (subRequest: SimRequest, batchRequest: SimRequest) => SimResponse | undefined | Promise<SimResponse | undefined>;

/** Observes each sub-request's answer (e.g. to count it). May return a replacement. */
export type AfterSubRequest = (subRequest: SimRequest, response: SimResponse, batchRequest: SimRequest) => SimResponse | void;

/**
 * Charges a sub-request against a throttle, shaped like the pipeline's `GraphThrottle.charge`:
 * admitted ones get `headers` (x-ms-resource-unit…) added, refused ones answer `response` (429).
 */
export type ChargeSubRequest = (
  subRequest: SimRequest,
) => { allowed: true; headers: Record<string, string> } | { allowed: false; response: SimResponse };

export interface BatchDependencies {
  dispatch: GraphDispatcher;
  origin: PublicOrigin;
  authority: AccessTokenAuthority;
  /** Scripted faults match sub-request paths (e.g. /v1.0/servicePrincipals/…/owners) too. */
  faults?: FaultInjector;
  chargeSubRequest?: ChargeSubRequest;
  beforeSubRequest?: BeforeSubRequest;
  afterSubRequest?: AfterSubRequest;
}

interface BatchStep {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  dependsOn: string[];
}

export interface BatchSubResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

// The JS client keeps a sub-response body as JSON only under exactly this header name.
const HEADER_NAMES: Readonly<Record<string, string>> = {
  'content-type': 'Content-Type',
  'retry-after': 'Retry-After',
  location: 'Location',
  'odata-version': 'OData-Version',
  'cache-control': 'Cache-Control',
  'www-authenticate': 'WWW-Authenticate',
};

export async function handleBatch(deps: BatchDependencies, request: SimRequest): Promise<SimResponse> {
  // The batch itself needs a valid token; permissions are checked per sub-request.
  const authorization = authorizeGraphRequest(request, deps.authority, []);
  if (!authorization.ok) return authorization.response;
  const parsed = parseBatch(request.body);
  if (typeof parsed === 'string') return graphError(request, 400, 'BadRequest', parsed);

  const answers = new Map<string, BatchSubResponse>();
  for (const step of parsed) {
    const failedDependency = step.dependsOn.find((id) => (answers.get(id)?.status ?? 0) >= 400);
    if (failedDependency !== undefined) {
      answers.set(step.id, {
        id: step.id,
        status: 424,
        headers: { 'Content-Type': 'application/json' },
        body: { error: { code: 'FailedDependency', message: `Request ${failedDependency} that this request depends on failed.` } },
      });
      continue;
    }
    answers.set(step.id, await runStep(deps, request, step));
  }
  const responses = shuffle([...answers.values()], parsed.map((step) => step.id).join('|'));
  return graphJson(200, { responses });
}

async function runStep(deps: BatchDependencies, batch: SimRequest, step: BatchStep): Promise<BatchSubResponse> {
  if (/^[a-z][a-z0-9+.-]*:/i.test(step.url)) {
    return subResponse(step.id, graphError(batch, 400, 'BadRequest', 'Batch request urls must be relative to the version root, e.g. /users.'));
  }
  // The JS client's BatchRequestContent strips only scheme and host from absolute urls: "/v1.0/users".
  const relative = (step.url.startsWith('/') ? step.url : `/${step.url}`).replace(/^\/v1\.0(?=\/|\?|$)/i, '');
  const url = new URL(`${deps.origin.url}/v1.0${relative}`);
  if (/^\/v1\.0\/\$batch$/i.test(url.pathname)) {
    return subResponse(step.id, graphError(batch, 400, 'BadRequest', 'A batch request cannot contain another batch request.'));
  }
  const requestId = randomUUID();
  const sub: SimRequest = {
    method: step.method,
    url,
    headers: { authorization: batch.headers.authorization, ...step.headers },
    body: step.body === undefined ? '' : typeof step.body === 'string' ? step.body : JSON.stringify(step.body),
    requestId,
    clientRequestId: step.headers['client-request-id'] ?? batch.clientRequestId,
    receivedAt: batch.receivedAt,
  };
  let response = faultResponse(sub, deps.faults);
  let admittedHeaders: Record<string, string> = {};
  if (!response && deps.chargeSubRequest) {
    const charge = deps.chargeSubRequest(sub);
    if (charge.allowed) admittedHeaders = charge.headers;
    else response = charge.response;
  }
  response ??= await deps.beforeSubRequest?.(sub, batch);
  response ??= await deps.dispatch(sub);
  response = { ...response, headers: { ...response.headers, ...admittedHeaders } };
  response = deps.afterSubRequest?.(sub, response, batch) ?? response;
  return subResponse(step.id, response);
}

/**
 * A scripted status fault matching the sub-request's path (e.g. a 429 with Retry-After).
 * Transport faults (resets, truncated or slow bodies) have no meaning inside a batch body:
 * a sub-request they pick is served normally.
 */
function faultResponse(sub: SimRequest, faults: FaultInjector | undefined): SimResponse | undefined {
  const fault = faults?.intercept(sub);
  if (!fault || (fault.kind !== undefined && fault.kind !== 'status') || fault.status === undefined) return undefined;
  const defaults = defaultGraphErrorFor(fault.status);
  return graphError(sub, fault.status, fault.code ?? defaults.code, fault.message ?? defaults.message, faultRetryAfterHeaders(fault));
}

function subResponse(id: string, response: SimResponse): BatchSubResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers ?? {})) headers[HEADER_NAMES[name.toLowerCase()] ?? name] = value;
  let body: unknown = response.json;
  if (body === undefined && response.text !== undefined) {
    try {
      body = JSON.parse(response.text);
    } catch {
      body = response.text;
    }
  }
  if (body !== undefined && headers['Content-Type'] === undefined) headers['Content-Type'] = 'application/json';
  return { id, status: response.status, headers, ...(body === undefined ? {} : { body }) };
}

/** Validates the payload and orders steps so each comes after the steps it depends on. */
function parseBatch(text: string): BatchStep[] | string {
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return 'Invalid batch payload format: the body is not JSON.';
  }
  const requests = (payload as { requests?: unknown } | null)?.requests;
  if (!Array.isArray(requests) || requests.length === 0) return 'Invalid batch payload format: "requests" must be a non-empty array.';
  if (requests.length > MAX_BATCH_REQUESTS) return `The number of requests in a batch (${requests.length}) exceeds the maximum of ${MAX_BATCH_REQUESTS}.`;
  const steps: BatchStep[] = [];
  for (const raw of requests as unknown[]) {
    const item = raw as Record<string, unknown> | null;
    if (!item || typeof item.id !== 'string' || item.id === '' || typeof item.method !== 'string' || typeof item.url !== 'string') {
      return 'Invalid batch payload format: every request needs string "id", "method" and "url".';
    }
    if (steps.some((step) => step.id === item.id)) return `Batch request ids must be unique: '${item.id}' appears more than once.`;
    const dependsOn = item.dependsOn === undefined ? [] : item.dependsOn;
    if (!Array.isArray(dependsOn) || !dependsOn.every((id) => typeof id === 'string')) return `Invalid dependsOn of request '${item.id}'.`;
    const headers: Record<string, string> = {};
    if (item.headers !== undefined) {
      if (typeof item.headers !== 'object' || item.headers === null) return `Invalid headers of request '${item.id}'.`;
      for (const [name, value] of Object.entries(item.headers)) headers[name.toLowerCase()] = String(value);
    }
    steps.push({ id: item.id, method: item.method.toUpperCase(), url: item.url, headers, body: item.body, dependsOn });
  }
  const ids = new Set(steps.map((step) => step.id));
  for (const step of steps) {
    const unknown = step.dependsOn.find((id) => !ids.has(id));
    if (unknown !== undefined) return `Request '${step.id}' depends on '${unknown}', which is not in the batch.`;
  }
  return topologicalOrder(steps) ?? 'The dependsOn references of the batch form a cycle.';
}

function topologicalOrder(steps: BatchStep[]): BatchStep[] | undefined {
  const byId = new Map(steps.map((step) => [step.id, step]));
  const ordered: BatchStep[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (step: BatchStep): boolean => {
    const current = state.get(step.id);
    if (current === 'done') return true;
    if (current === 'visiting') return false;
    state.set(step.id, 'visiting');
    for (const id of step.dependsOn) if (!visit(byId.get(id) as BatchStep)) return false;
    state.set(step.id, 'done');
    ordered.push(step);
    return true;
  };
  return steps.every(visit) ? ordered : undefined;
}

/** "Responses in any order": a Fisher-Yates shuffle seeded by the batch's ids. */
function shuffle<T>(items: T[], seedText: string): T[] {
  const random = createRandom(hashSeed('batch-order', seedText));
  for (let index = items.length - 1; index > 0; index--) {
    const other = random.int(0, index);
    [items[index], items[other]] = [items[other] as T, items[index] as T];
  }
  return items;
}

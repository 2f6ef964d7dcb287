import type { SimRequest, SimResponse } from '../http/simRequest';
import type { PublicOrigin } from '../http/publicOrigin';
import { graphError, graphJson } from './graphResponses';
import type { PageTokenCodec } from './pageToken';
import { readQueryOptions } from './queryOptions';

/** A list endpoint's items in a stable order, resumable after any item. */
export interface PagedSource<T> {
  itemsAfter(cursor: string | null): Iterable<T>;
  cursorOf(item: T): string;
  render(item: T): Record<string, unknown>;
}

export interface PageLimits {
  /** Page size without $top. */
  defaultTop: number;
  /** Largest $top accepted. */
  maxTop: number;
}

export interface PagingDependencies {
  origin: PublicOrigin;
  pageTokens: PageTokenCodec;
}

/** Graph's page size limits for directory collections (docs/graph-behaviour.md). */
export const DIRECTORY_PAGE_LIMITS: PageLimits = { defaultTop: 100, maxTop: 999 };

export type PagingRequest = { ok: true; top: number; cursor: string | null } | { ok: false; response: SimResponse };

/** Reads $top and $skiptoken; errors as Graph words them. */
export function readPaging(request: SimRequest, deps: PagingDependencies, limits: PageLimits): PagingRequest {
  const options = readQueryOptions(request.url);
  const rawTop = options.get('$top');
  let top = limits.defaultTop;
  if (rawTop !== undefined) {
    top = Number(rawTop);
    if (!Number.isInteger(top) || top < 1 || top > limits.maxTop) {
      return {
        ok: false,
        response: graphError(request, 400, 'Request_BadRequest', `Invalid page size specified: '${rawTop}'. Must be between 1 and ${limits.maxTop} inclusive.`),
      };
    }
  }
  const token = options.get('$skiptoken');
  if (token === undefined) return { ok: true, top, cursor: null };
  const cursor = deps.pageTokens.decode(request.url.pathname, token);
  if (cursor === undefined) return { ok: false, response: graphError(request, 400, 'Request_BadRequest', "Invalid value for '$skiptoken'.") };
  return { ok: true, top, cursor };
}

/**
 * One page of a collection, with an absolute @odata.nextLink that repeats the request's query
 * (clients reuse it verbatim) and a fresh $skiptoken.
 */
export function servePage<T>(
  request: SimRequest,
  deps: PagingDependencies,
  paging: { top: number; cursor: string | null },
  source: PagedSource<T>,
  context: string,
  extra: Record<string, unknown> = {},
): SimResponse {
  const value: Record<string, unknown>[] = [];
  let last: T | undefined;
  let more = false;
  for (const item of source.itemsAfter(paging.cursor)) {
    if (value.length === paging.top) {
      more = true;
      break;
    }
    value.push(source.render(item));
    last = item;
  }
  const body: Record<string, unknown> = { '@odata.context': `${deps.origin.url}/v1.0/$metadata#${context}`, ...extra };
  if (more && last !== undefined) {
    const query = new URLSearchParams();
    for (const [name, val] of request.url.searchParams) if (name.toLowerCase() !== '$skiptoken') query.append(name, val);
    const next = deps.pageTokens.encode(request.url.pathname, source.cursorOf(last));
    const prefix = [...query].map(([name, val]) => `${name}=${encodeQueryValue(val)}`).join('&');
    body['@odata.nextLink'] = `${deps.origin.url}${request.url.pathname}?${prefix ? `${prefix}&` : ''}$skiptoken=${next}`;
  }
  body.value = value;
  return graphJson(200, body);
}

/** Keeps OData punctuation readable in links ($, commas, quotes, parentheses) as Graph does. */
function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(/%24/g, '$').replace(/%2C/gi, ',').replace(/%27/g, "'").replace(/%28/g, '(').replace(/%29/g, ')').replace(/%3A/gi, ':');
}

/** Items of a sorted array strictly after `cursor` by key. */
export function* sortedAfter<T>(items: readonly T[], keyOf: (item: T) => string, cursor: string | null): Generator<T> {
  let low = 0;
  if (cursor !== null) {
    let high = items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (keyOf(items[middle] as T) <= cursor) low = middle + 1;
      else high = middle;
    }
  }
  for (let index = low; index < items.length; index++) yield items[index] as T;
}

/** Rejects query options the endpoint does not support, the way Graph does. */
export function rejectUnsupportedOptions(request: SimRequest, supported: readonly string[]): SimResponse | undefined {
  for (const name of readQueryOptions(request.url).keys()) {
    if (name.startsWith('$') && !supported.includes(name)) {
      return graphError(request, 400, 'Request_UnsupportedQuery', `The query option '${name}' is not supported on this resource (simulator).`);
    }
  }
  return undefined;
}

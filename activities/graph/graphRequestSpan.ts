import { SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import type { Context } from '@microsoft/microsoft-graph-client';
import { inSpan } from '../../shared/tracing/inSpan';
import { retryAfterMs } from './graphErrors';
import { graphEndpoint } from './graphTelemetry';

/** A `$batch` body's sub-requests: how many, and their endpoint templates; nothing for any other request. */
function batchAttributes(endpoint: string, body: unknown): Record<string, number | string[]> {
  if (endpoint !== '/$batch' || typeof body !== 'string') return {};
  try {
    const requests = (JSON.parse(body) as { requests?: unknown }).requests;
    if (!Array.isArray(requests)) return {};
    const endpoints = new Set(requests.map((r) => graphEndpoint(String((r as { url?: unknown }).url ?? ''))));
    return { 'graph.batch.requests': requests.length, 'graph.batch.endpoints': [...endpoints].sort() };
  } catch {
    return {};
  }
}

/**
 * One HTTP request to Graph as a client span, `GET /users/delta`: method, the endpoint's template
 * (ids replaced by {id}, no query), status, whether it was throttled and the Retry-After Graph
 * asked for, and a `$batch`'s number of sub-requests and their templates. No URL, query or body leaves: they name
 * directory objects and carry skip tokens.
 */
export function inGraphRequestSpan(context: Context, url: string, send: () => Promise<void>): Promise<void> {
  const method = (context.options?.method ?? 'GET').toUpperCase();
  const endpoint = graphEndpoint(url);
  const attributes = {
    'http.request.method': method,
    'url.template': endpoint,
    'server.address': new URL(url, 'https://graph.invalid').hostname,
    ...batchAttributes(endpoint, context.options?.body),
  };
  return inSpan(
    `${method} ${endpoint}`,
    attributes,
    async (span) => {
      try {
        await send();
      } finally {
        recordResponse(span, context.response);
      }
    },
    SpanKind.CLIENT,
  );
}

function recordResponse(span: Span, response: Response | undefined): void {
  if (!response) {
    span.setAttribute('error.type', 'no response');
    return;
  }
  const throttled = response.status === 429;
  span.setAttributes({ 'http.response.status_code': response.status, 'graph.throttled': throttled });
  const wait = retryAfterMs(response.headers);
  if (wait !== undefined) span.setAttribute('graph.retry_after_seconds', wait / 1000);
  if (response.status >= 400) {
    span.setAttribute('error.type', String(response.status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
}

import type { TokenCredential } from '@azure/identity';
import {
  AuthenticationHandler,
  Client,
  HTTPMessageHandler,
  TelemetryHandler,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { graphScope } from '../../shared/clouds';
import { inGraphRequestSpan } from './graphRequestSpan';
import { recordGraphResponse } from './graphTelemetry';

export type GraphConnection = {
  tenantId: string;
  clientId: string;
  graphBaseUrl: string;
  authorityHost: string;
};

/** What one activity's Graph calls cost: every HTTP request, and how many were throttled. */
export type GraphTraffic = { requests: number; throttled: number };

/** Counts requests and 429s as they leave; sits just before the HTTP handler so it sees each try. */
class TrafficRecorder implements Middleware {
  private next?: Middleware;
  constructor(private readonly traffic: GraphTraffic) {}
  setNext(next: Middleware): void {
    this.next = next;
  }
  async execute(context: Context): Promise<void> {
    this.traffic.requests += 1;
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    try {
      await inGraphRequestSpan(context, url, () => this.next!.execute(context));
    } catch (err) {
      recordGraphResponse(context.options?.method, url, 0);
      throw err;
    }
    recordGraphResponse(context.options?.method, url, context.response?.status ?? 0);
    if (context.response?.status === 429) this.traffic.throttled += 1;
  }
}

/**
 * A Graph client for one activity call. Retries are ours (see withGraphRetry), not the SDK's
 * RetryHandler: ours heartbeat while waiting out Retry-After, so a long throttle never looks
 * like a dead worker. Redirects are not followed: a 410 with Location means "resync".
 */
export function createGraphClient(credential: TokenCredential, graphBaseUrl: string, traffic: GraphTraffic): Client {
  const base = new URL(graphBaseUrl);
  const middleware: Middleware[] = [
    new AuthenticationHandler(new TokenCredentialAuthenticationProvider(credential, { scopes: [graphScope(graphBaseUrl)] })),
    new TelemetryHandler(),
    new TrafficRecorder(traffic),
    new HTTPMessageHandler(),
  ];
  return Client.initWithMiddleware({
    middleware,
    baseUrl: `${base.origin}/`,
    defaultVersion: base.pathname.replace(/^\/+|\/+$/g, '') || 'v1.0',
    customHosts: new Set([base.hostname]),
  });
}

import { ResponseType, type Client } from '@microsoft/microsoft-graph-client';

/** A subscription as Graph shows it (the properties the manager reads). */
export type GraphSubscription = {
  id: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  expirationDateTime: string;
};

export type GraphAnswer<T> = { ok: true; status: number; body: T } | { ok: false; status: number; code: string; message: string };

/** What a create sends; clientState is the only secret in it and goes nowhere else. */
export type SubscriptionRequest = {
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string;
  expirationDateTime: string;
  clientState: string;
};

/**
 * Graph's /subscriptions calls, answered as status and body rather than thrown, since 403, 404
 * and 409 are answers the manager acts on. 429, 5xx and network failures throw: the activity is
 * retried. Graph's clock is read from the Date header of its answers: expirations are on Graph's
 * clock, and the worker's may differ (the simulator's moves in tests).
 */
export class SubscriptionApi {
  /** Graph's clock minus the worker's, from the last answer's Date header. */
  private skewMs = 0;

  constructor(private readonly client: Client) {}

  /** Graph's "now" as far as its answers tell. */
  now(): number {
    return Date.now() + this.skewMs;
  }

  list(): Promise<GraphAnswer<{ value: GraphSubscription[] }>> {
    return this.call('GET', '/subscriptions');
  }

  create(request: SubscriptionRequest): Promise<GraphAnswer<GraphSubscription>> {
    return this.call('POST', '/subscriptions', request);
  }

  renew(id: string, expirationDateTime: string): Promise<GraphAnswer<GraphSubscription>> {
    return this.call('PATCH', `/subscriptions/${encodeURIComponent(id)}`, { expirationDateTime });
  }

  reauthorize(id: string): Promise<GraphAnswer<unknown>> {
    return this.call('POST', `/subscriptions/${encodeURIComponent(id)}/reauthorize`, {});
  }

  delete(id: string): Promise<GraphAnswer<unknown>> {
    return this.call('DELETE', `/subscriptions/${encodeURIComponent(id)}`);
  }

  private async call<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<GraphAnswer<T>> {
    const request = this.client.api(path).responseType(ResponseType.RAW);
    const response = (await (method === 'GET' ? request.get() : method === 'POST' ? request.post(body) : method === 'PATCH' ? request.patch(body) : request.delete())) as Response;
    const date = Date.parse(response.headers.get('date') ?? '');
    if (!Number.isNaN(date)) this.skewMs = date - Date.now();
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (response.ok) return { ok: true, status: response.status, body: parsed as T };
    const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    const answer = { ok: false as const, status: response.status, code: error?.code ?? 'unknown', message: error?.message ?? response.statusText };
    if (response.status === 429 || response.status >= 500) {
      throw new Error(`Microsoft Graph answered ${method} ${path} with ${answer.status} ${answer.code}: ${answer.message}; retried`);
    }
    return answer;
  }
}

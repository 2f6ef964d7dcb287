// Shared by the simulator test files: clients built the way the connector builds them, delta
// round walkers, and a minimal in-process Graph caller for fast property tests.

import { TEST_TLS_DIR } from './support/testTls';
import { ClientSecretCredential } from '@azure/identity';
import { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials';
import { expect } from 'vitest';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../simulator/server';

// The test process trusts this certificate through NODE_EXTRA_CA_CERTS (vitest.config.ts).
export const TLS_DIR = TEST_TLS_DIR;
export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

export type DeltaEntry = { id: string; '@removed'?: { reason: string } } & Record<string, unknown>;
export interface DeltaPage {
  '@odata.context'?: string;
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
  value: DeltaEntry[];
}
export interface ListPage<T = Record<string, unknown>> {
  '@odata.context'?: string;
  '@odata.nextLink'?: string;
  '@odata.count'?: number;
  value: T[];
}
export interface GraphErrorBody {
  error: { code: string; message: string; innerError: Record<string, string> };
}
export interface DeltaRound {
  entries: DeltaEntry[];
  pages: DeltaPage[];
  deltaLink: string;
}

export function start(options: Partial<SimulatorOptions> = {}): Promise<RunningSimulator> {
  // Throttling is the traffic tests' business; these tests page hard and fast.
  return startSimulator({ tlsDir: TLS_DIR, seed: 42, users: 250, throttling: false, ...options });
}

export function credentialFor(sim: RunningSimulator, secret = sim.config.clientSecret): ClientSecretCredential {
  return new ClientSecretCredential(sim.config.tenantId, sim.config.clientId, secret, {
    authorityHost: sim.config.authorityHost,
    disableInstanceDiscovery: true,
  });
}

/** A Graph client exactly as the connector builds one, pointed at the simulator. */
export function graphClientFor(sim: RunningSimulator): Client {
  return Client.initWithMiddleware({
    authProvider: new TokenCredentialAuthenticationProvider(credentialFor(sim), { scopes: [GRAPH_SCOPE] }),
    baseUrl: `${sim.config.authorityHost}/`,
    customHosts: new Set(['localhost']),
  });
}

/** Follows nextLinks until a deltaLink, starting from a relative path or an absolute link. */
export async function deltaRound(client: Client, start: string): Promise<DeltaRound> {
  const pages: DeltaPage[] = [];
  let url = start;
  for (;;) {
    const page = (await client.api(url).get()) as DeltaPage;
    pages.push(page);
    if (page['@odata.nextLink']) {
      url = page['@odata.nextLink'];
      continue;
    }
    if (!page['@odata.deltaLink']) throw new Error('page has neither nextLink nor deltaLink');
    return { entries: pages.flatMap((p) => p.value), pages, deltaLink: page['@odata.deltaLink'] };
  }
}

/** Every item of a paged list, following nextLinks. */
export async function listAll<T = Record<string, unknown>>(client: Client, start: string): Promise<{ items: T[]; pages: ListPage<T>[] }> {
  const pages: ListPage<T>[] = [];
  let url: string | undefined = start;
  while (url) {
    const page = (await client.api(url).get()) as ListPage<T>;
    pages.push(page);
    url = page['@odata.nextLink'];
  }
  return { items: pages.flatMap((page) => page.value), pages };
}

export async function graphFailure(promise: Promise<unknown>): Promise<GraphError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(GraphError);
  return error as GraphError;
}

/** A raw HTTPS call with a fresh token carrying `roles` (default: the app's granted permissions). */
export async function rawGraph(
  sim: RunningSimulator,
  pathOrUrl: string,
  init: { method?: string; body?: unknown; roles?: string[]; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const { token } = sim.accessTokens.issue(sim.application, init.roles ? { roles: init.roles } : {});
  const url = pathOrUrl.startsWith('https://') ? pathOrUrl : `${sim.config.graphBaseUrl}${pathOrUrl}`;
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/** A /_sim control call. */
export async function control(sim: RunningSimulator, method: string, route: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${sim.config.authorityHost}/_sim${route}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

import { ClientSecretCredential } from '@azure/identity';
import type { RunningSimulator } from '../../simulator/server';

/** A fresh token from the simulator's token endpoint (fresh: it carries the permissions granted now). */
export async function tokenFor(sim: RunningSimulator): Promise<string> {
  const credential = new ClientSecretCredential(sim.config.tenantId, sim.config.clientId, sim.config.clientSecret, {
    authorityHost: sim.config.authorityHost,
    disableInstanceDiscovery: true,
  });
  return (await credential.getToken('https://graph.microsoft.com/.default')).token;
}

/** One Graph call with a JSON body, answered as status and parsed JSON. */
export async function graphCall(
  sim: RunningSimulator,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> & { error?: { code: string; message: string }; value?: Array<Record<string, unknown>> } }> {
  const response = await fetch(`${sim.config.graphBaseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** An ISO instant `minutes` from the tenant's clock. */
export function minutesFromNow(sim: RunningSimulator, minutes: number): string {
  return new Date(sim.clock.nowMs() + minutes * 60_000).toISOString();
}

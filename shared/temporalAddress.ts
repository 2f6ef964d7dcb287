import { isIP } from 'node:net';

export const DEFAULT_TEMPORAL_PORT = 7233;

/** host and port of a `host:port` or `[v6]:port` address (Temporal's frontend port when none is given). */
export function splitTemporalAddress(address: string): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(address);
  if (bracketed) return { host: bracketed[1]!, port: Number(bracketed[2] ?? DEFAULT_TEMPORAL_PORT) };
  if (isIP(address) === 6) return { host: address, port: DEFAULT_TEMPORAL_PORT };
  const colon = address.lastIndexOf(':');
  if (colon < 0) return { host: address, port: DEFAULT_TEMPORAL_PORT };
  return { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
}

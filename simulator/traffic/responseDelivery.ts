import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** How a response's bytes leave the server: whole, or disturbed the ways real networks and gateways do. */
export type BodyDelivery =
  | { kind: 'whole' }
  /** The body in `chunkBytes` pieces, `chunkDelayMs` apart. */
  | { kind: 'slow'; chunkBytes: number; chunkDelayMs: number }
  /** The first `fraction` of the body, then a clean end: the client gets a complete response holding cut-off JSON. */
  | { kind: 'truncated'; fraction: number }
  /** The body made invalid JSON, with a matching Content-Length. */
  | { kind: 'malformed' }
  /** The connection dropped before any byte of the response. */
  | { kind: 'resetBeforeHeaders' }
  /** The headers (announcing the full length) and the first `fraction` of the body, then the connection dropped. */
  | { kind: 'resetAfterHeaders'; fraction: number };

/** Writes a response as `delivery` says. Resolves 'dropped' when the connection was cut instead of ended. */
export async function deliver(
  outgoing: ServerResponse,
  status: number,
  headers: Record<string, string>,
  payload: string,
  delivery: BodyDelivery,
): Promise<'ended' | 'dropped'> {
  const body = Buffer.from(delivery.kind === 'malformed' ? malformJson(payload) : payload, 'utf8');
  switch (delivery.kind) {
    case 'resetBeforeHeaders':
      dropConnection(outgoing);
      return 'dropped';
    case 'resetAfterHeaders':
      outgoing.writeHead(status, withLength(headers, body.length));
      outgoing.write(body.subarray(0, cut(body, delivery.fraction)));
      // Let the partial body reach the client before the connection goes.
      await new Promise<void>((resolve) => outgoing.socket?.write('', () => resolve()) ?? resolve());
      dropConnection(outgoing);
      return 'dropped';
    case 'truncated': {
      // Without Content-Length the client cannot tell the body is short: it sees chunked JSON that just stops.
      const { 'content-length': _ignored, ...rest } = headers;
      outgoing.writeHead(status, rest);
      outgoing.end(body.subarray(0, cut(body, delivery.fraction)));
      return 'ended';
    }
    case 'slow': {
      outgoing.writeHead(status, withLength(headers, body.length));
      outgoing.flushHeaders();
      for (let offset = 0; offset < body.length; offset += delivery.chunkBytes) {
        if (offset > 0) await sleep(delivery.chunkDelayMs);
        if (outgoing.destroyed) return 'dropped';
        outgoing.write(body.subarray(offset, offset + delivery.chunkBytes));
      }
      outgoing.end();
      return 'ended';
    }
    case 'whole':
    case 'malformed':
      outgoing.writeHead(status, withLength(headers, body.length));
      outgoing.end(body);
      return 'ended';
  }
}

/** Invalid JSON that still looks like JSON: a trailing comma before the closing bracket. */
export function malformJson(payload: string): string {
  const trimmed = payload.trimEnd();
  const last = trimmed.at(-1);
  if (last === '}' || last === ']') return `${trimmed.slice(0, -1)},${last}`;
  return `${trimmed}{"`;
}

function withLength(headers: Record<string, string>, length: number): Record<string, string> {
  return length > 0 ? { ...headers, 'content-length': String(length) } : headers;
}

function cut(body: Buffer, fraction: number): number {
  return Math.floor(body.length * fraction);
}

/**
 * Cuts the connection. Over TLS the socket cannot send a TCP RST itself; the plain socket under
 * it can, when Node exposes it. Either way the client sees the connection die mid-exchange.
 */
function dropConnection(outgoing: ServerResponse): void {
  const socket = outgoing.socket as (Socket & { _parent?: Socket }) | null;
  if (!socket) return;
  try {
    if (socket._parent && typeof socket._parent.resetAndDestroy === 'function') {
      socket._parent.resetAndDestroy();
      socket.destroy();
      return;
    }
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

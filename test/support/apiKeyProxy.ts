import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';

export type ApiKeyProxy = { port: number; close: () => Promise<void> };

export type ApiKeyProxyOptions = { target: string; cert: string; key: string; apiKey: string };

const UNAUTHENTICATED = '16';

/**
 * An HTTP/2 (gRPC) proxy over TLS that admits only calls carrying `Authorization: Bearer <apiKey>`,
 * as Temporal Cloud does, and answers the others UNAUTHENTICATED; admitted calls go on to the dev
 * server's plain port. Enough for unary calls, which is all `entra-sync temporal setup` makes.
 */
export async function startApiKeyProxy(options: ApiKeyProxyOptions): Promise<ApiKeyProxy> {
  // The dev server closes idle connections (GOAWAY): open a new one whenever the last is going away.
  let upstream: http2.ClientHttp2Session | undefined;
  const session = (): http2.ClientHttp2Session => {
    if (!upstream || upstream.closed || upstream.destroyed) {
      const opened = http2.connect(`http://${options.target}`);
      opened.on('error', () => undefined);
      opened.on('goaway', () => {
        if (upstream === opened) upstream = undefined;
      });
      upstream = opened;
    }
    return upstream;
  };
  const server = http2.createSecureServer({ cert: options.cert, key: options.key });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    if (headers.authorization !== `Bearer ${options.apiKey}`) {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': UNAUTHENTICATED, 'grpc-message': 'Request unauthorized.' }, { endStream: true });
      return;
    }
    const forwarded: http2.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(headers)) {
      if (!name.startsWith(':') || name === ':method' || name === ':path') forwarded[name] = value;
    }
    const call = session().request(forwarded);
    call.on('error', () => stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
    stream.on('close', () => call.close());
    stream.pipe(call);
    let trailers: http2.OutgoingHttpHeaders = {};
    call.on('trailers', (t) => (trailers = t));
    call.on('response', (response) => {
      // A trailers-only answer (an error status) ends in its headers.
      if (response['grpc-status'] !== undefined) return void stream.respond(response, { endStream: true });
      stream.respond(response, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers(trailers));
      call.pipe(stream);
    });
  });
  server.on('sessionError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        upstream?.close();
        server.close(() => resolve());
      }),
  };
}

import net from 'node:net';
import tls from 'node:tls';

export type TlsProxy = { address: string; port: number; close: () => Promise<void> };

export type TlsProxyOptions = {
  /** host:port of the plain gRPC endpoint behind the proxy (the dev server). */
  target: string;
  cert: string;
  key: string;
  /** With a CA, clients must present a certificate it issued (mutual TLS). */
  clientCa?: string;
};

/**
 * A TLS-terminating TCP proxy in front of the Temporal dev server, which has no TLS of its own:
 * the tests' stand-in for a TLS or mTLS Temporal frontend. It speaks h2 over ALPN as gRPC needs.
 */
export async function startTlsProxy(options: TlsProxyOptions): Promise<TlsProxy> {
  const [host, port] = splitAddress(options.target);
  const sockets = new Set<net.Socket>();
  const server = tls.createServer(
    {
      cert: options.cert,
      key: options.key,
      ALPNProtocols: ['h2'],
      ...(options.clientCa ? { ca: options.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
    },
    (client) => {
      const upstream = net.connect(port, host);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.once('close', () => sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    },
  );
  // A refused handshake is what some tests want; it must not crash the test process.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const listening = (server.address() as net.AddressInfo).port;
  return {
    address: `127.0.0.1:${listening}`,
    port: listening,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}

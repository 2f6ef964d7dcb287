import net from 'node:net';

export type CuttableProxy = {
  /** host:port to connect to instead of the target. */
  address: string;
  port: number;
  /** Drops every open connection and resets new ones, as a server that went away. */
  cut(): void;
  /** Accepts connections but forwards nothing: a dependency that hangs. */
  stall(): void;
  restore(): void;
  close(): Promise<void>;
};

/**
 * A TCP proxy in front of PostgreSQL or Temporal that a test can cut and restore, so the process
 * under test sees its dependency vanish and come back on the same address.
 */
export async function startCuttableProxy(target: string): Promise<CuttableProxy> {
  const url = target.includes('://') ? new URL(target) : new URL(`tcp://${target}`);
  const [host, port] = [url.hostname, Number(url.port)];
  const sockets = new Set<net.Socket>();
  let mode: 'open' | 'cut' | 'stalled' = 'open';
  const server = net.createServer((client) => {
    if (mode === 'cut') return void client.destroy();
    if (mode === 'stalled') {
      sockets.add(client);
      client.once('close', () => sockets.delete(client));
      client.on('error', () => undefined);
      return;
    }
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
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const own = (server.address() as net.AddressInfo).port;
  return {
    address: `127.0.0.1:${own}`,
    port: own,
    cut() {
      mode = 'cut';
      for (const s of sockets) s.destroy();
    },
    stall() {
      mode = 'stalled';
      for (const s of sockets) s.destroy();
    },
    /** Back to forwarding; connections held while stalled are dropped, as by a server that restarted. */
    restore() {
      if (mode === 'stalled') for (const s of sockets) s.destroy();
      mode = 'open';
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

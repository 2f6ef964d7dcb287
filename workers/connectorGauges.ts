import client from 'prom-client';

/**
 * Gauges labelled by connector whose values are read from PostgreSQL at each scrape: every gauge
 * of one set collects from the same query per scrape, and a database that does not answer keeps
 * the last values (the scrape itself must not fail).
 */
export function connectorGauges<Row extends { connector: string }>(registry: client.Registry, read: () => Promise<Row[]>) {
  let pending: Promise<Row[]> | undefined;
  const rows = () => (pending ??= read().finally(() => setImmediate(() => (pending = undefined))));
  return (name: string, help: string, value: (row: Row) => number | null) =>
    new client.Gauge({
      name,
      help,
      labelNames: ['connector'] as const,
      registers: [registry],
      async collect() {
        const read = await rows().catch(() => undefined);
        if (!read) return;
        this.reset();
        for (const row of read) {
          const v = value(row);
          if (v !== null) this.set({ connector: row.connector }, v);
        }
      },
    });
}

import type client from 'prom-client';
import { connectorGauges } from './connectorGauges';
import type { Queryable } from '../activities/store/database';

type ConnectorTail = { connector: string; lagSeconds: number | null; intervalSeconds: number; passRunningSeconds: number };

/**
 * The tails' freshness, read from PostgreSQL at each scrape (like commitFreshness.ts), for the
 * enabled connectors with their tail on: seconds since the inventory was last committed by any run
 * (a tail keeps it within about its interval; a full run pauses the tail for its length), the
 * tail's backstop interval, and how long its running pass has been running (0: none), so one alert
 * rule catches a tail that stopped, is stuck or keeps failing.
 */
export function registerTailFreshness(registry: client.Registry, db: Queryable, defaultIntervalSeconds: number): void {
  const perConnector = connectorGauges(registry, async () => {
    const { rows } = await db.query<ConnectorTail>(
      `select c.id as connector,
              extract(epoch from clock_timestamp() - (select max(r.finished_at) from sync_runs r where r.connector_id = c.id and r.status = 'succeeded'))::float8 as "lagSeconds",
              coalesce(c.tail_interval_seconds, $1)::float8 as "intervalSeconds",
              coalesce(extract(epoch from clock_timestamp() - (select min(r.started_at) from sync_runs r
                 where r.connector_id = c.id and r.kind = 'tail' and r.status = 'running')), 0)::float8 as "passRunningSeconds"
         from connectors c where c.enabled and c.tail_enabled`,
      [defaultIntervalSeconds],
    );
    return rows;
  });
  perConnector('entra_sync_tail_lag_seconds', 'Seconds since the last commit (full run or tail pass) of each enabled connector with its tail on', (c) => c.lagSeconds);
  perConnector('entra_sync_tail_interval_seconds', "Backstop interval of each enabled connector's tail (its own, else ENTRA_TAIL_INTERVAL), in seconds", (c) => c.intervalSeconds);
  perConnector('entra_sync_tail_pass_running_seconds', "How long each tail's running pass has been running, in seconds (0: none running)", (c) => c.passRunningSeconds);
}

import type client from 'prom-client';
import { connectorGauges } from './connectorGauges';
import type { Queryable } from '../activities/store/database';

type ConnectorCommit = { connector: string; intervalSeconds: number; lastCommit: number | null };

/**
 * Freshness read from PostgreSQL at each scrape, not counted by this process: every worker then
 * reports the same last commit per connector, whichever worker committed it and however recently
 * it restarted, so `time() - max by (connector) (entra_sync_last_commit_timestamp_seconds)` is the
 * age of the inventory. The interval beside it (the connector's own, else SYNC_ENTRA_INTERVAL) lets
 * one alert rule say "no commit for 3 intervals" for every connector.
 */
export function registerCommitFreshness(registry: client.Registry, db: Queryable, defaultIntervalSeconds: number): void {
  const perConnector = connectorGauges(registry, async () => {
    const { rows } = await db.query<ConnectorCommit>(
      `select c.id as connector,
              coalesce(c.sync_interval_seconds, $1)::float8 as "intervalSeconds",
              extract(epoch from (select max(r.finished_at) from sync_runs r where r.connector_id = c.id and r.status = 'succeeded'))::float8 as "lastCommit"
         from connectors c where c.enabled`,
      [defaultIntervalSeconds],
    );
    return rows;
  });
  perConnector(
    'entra_sync_last_commit_timestamp_seconds',
    'When each enabled connector last committed a run (Unix seconds, from sync_runs); absent until its first commit',
    (c) => c.lastCommit,
  );
  perConnector('entra_sync_connector_interval_seconds', 'Sync interval of each enabled connector (its own, else SYNC_ENTRA_INTERVAL), in seconds', (c) => c.intervalSeconds);
}

import type { Connector } from '../../activities/store/connectors';
import type { Queryable } from '../../activities/store/database';

/** A connector as the CLI shows it: the row, its interval, and where its secret comes from (never the secret). */
export type ConnectorRecord = Connector & {
  /** Null: SYNC_ENTRA_INTERVAL applies. */
  syncIntervalSeconds: number | null;
  /** The tail (docs/run-lifecycle.md): on or off, and its backstop interval (null: ENTRA_TAIL_INTERVAL). */
  tailEnabled: boolean;
  tailIntervalSeconds: number | null;
  secret: { keyId: string; updatedAt: Date } | null;
  createdAt: Date;
  updatedAt: Date;
  lastRun: { id: number; status: string; startedAt: Date; finishedAt: Date | null; errorKind: string | null } | null;
};

const SELECT = `
  select c.id, c.tenant_id as "tenantId", c.client_id as "clientId", c.graph_base_url as "graphBaseUrl",
         c.authority_host as "authorityHost", c.discovery_enabled as "discoveryEnabled", c.enabled,
         c.credential_kind as "credentialKind", c.federated_token_file as "federatedTokenFile", c.cloud,
         c.sync_interval_seconds as "syncIntervalSeconds", c.tail_enabled as "tailEnabled", c.tail_interval_seconds as "tailIntervalSeconds", c.created_at as "createdAt", c.updated_at as "updatedAt",
         case when s.connector_id is null then null
              else json_build_object('keyId', s.key_id, 'updatedAt', s.updated_at) end as secret,
         (select json_build_object('id', r.id, 'status', r.status, 'startedAt', r.started_at, 'finishedAt', r.finished_at, 'errorKind', r.error_kind)
            from sync_runs r where r.connector_id = c.id order by r.started_at desc, r.id desc limit 1) as "lastRun"
    from connectors c left join connector_secrets s on s.connector_id = c.id`;

export async function listConnectorRecords(db: Queryable): Promise<ConnectorRecord[]> {
  const { rows } = await db.query(`${SELECT} order by c.id`);
  return rows.map(revive);
}

export async function findConnectorRecord(db: Queryable, id: string): Promise<ConnectorRecord | undefined> {
  const { rows } = await db.query(`${SELECT} where c.id = $1`, [id]);
  return rows[0] ? revive(rows[0]) : undefined;
}

export type NewConnector = Connector & { syncIntervalSeconds: number | null; tailEnabled?: boolean; tailIntervalSeconds?: number | null };

/** Inserts a connector; false when one with that id exists already. */
export async function insertConnector(db: Queryable, c: NewConnector): Promise<boolean> {
  const { rowCount } = await db.query(
    `insert into connectors (id, tenant_id, client_id, graph_base_url, authority_host, discovery_enabled, enabled, sync_interval_seconds,
                             credential_kind, federated_token_file, cloud, tail_enabled, tail_interval_seconds)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) on conflict (id) do nothing`,
    [
      c.id, c.tenantId, c.clientId, c.graphBaseUrl, c.authorityHost, c.discoveryEnabled, c.enabled, c.syncIntervalSeconds,
      c.credentialKind, c.federatedTokenFile, c.cloud, c.tailEnabled ?? false, c.tailIntervalSeconds ?? null,
    ],
  );
  return rowCount === 1;
}

export type ConnectorChanges = Partial<Omit<NewConnector, 'id'>>;

const COLUMNS: Record<keyof ConnectorChanges, string> = {
  tenantId: 'tenant_id',
  clientId: 'client_id',
  graphBaseUrl: 'graph_base_url',
  authorityHost: 'authority_host',
  discoveryEnabled: 'discovery_enabled',
  enabled: 'enabled',
  syncIntervalSeconds: 'sync_interval_seconds',
  tailEnabled: 'tail_enabled',
  tailIntervalSeconds: 'tail_interval_seconds',
  credentialKind: 'credential_kind',
  federatedTokenFile: 'federated_token_file',
  cloud: 'cloud',
};

/** Applies the given changes; false when the connector does not exist. */
export async function updateConnector(db: Queryable, id: string, changes: ConnectorChanges): Promise<boolean> {
  // null is a value to store (no token file, no cloud); undefined means "unchanged".
  const entries = (Object.keys(COLUMNS) as (keyof ConnectorChanges)[]).filter((k) => changes[k] !== undefined);
  const sets = entries.map((k, i) => `${COLUMNS[k]} = $${i + 2}`);
  const { rowCount } = await db.query(`update connectors set ${[...sets, 'updated_at = now()'].join(', ')} where id = $1`, [
    id,
    ...entries.map((k) => changes[k]),
  ]);
  return rowCount === 1;
}

/** Deletes the connector with everything synced for it (the foreign keys cascade); false when absent. */
export async function deleteConnector(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query('delete from connectors where id = $1', [id]);
  return rowCount === 1;
}

type Row = Omit<ConnectorRecord, 'secret' | 'lastRun'> & {
  secret: { keyId: string; updatedAt: string } | null;
  lastRun: { id: number; status: string; startedAt: string; finishedAt: string | null; errorKind: string | null } | null;
};

function revive(row: Row): ConnectorRecord {
  return {
    ...row,
    secret: row.secret ? { keyId: row.secret.keyId, updatedAt: new Date(row.secret.updatedAt) } : null,
    lastRun: row.lastRun
      ? {
          ...row.lastRun,
          id: Number(row.lastRun.id),
          startedAt: new Date(row.lastRun.startedAt),
          finishedAt: row.lastRun.finishedAt ? new Date(row.lastRun.finishedAt) : null,
        }
      : null,
  };
}

import type { Queryable } from './database';

export type Connector = {
  id: string;
  tenantId: string;
  clientId: string;
  graphBaseUrl: string;
  authorityHost: string;
  discoveryEnabled: boolean;
  enabled: boolean;
};

/** The client secret is deliberately not a column here: see the secret store of the worker. */
export async function upsertConnector(db: Queryable, c: Omit<Connector, 'enabled'> & { enabled?: boolean }): Promise<void> {
  await db.query(
    `insert into connectors (id, tenant_id, client_id, graph_base_url, authority_host, discovery_enabled, enabled)
     values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (id) do update set tenant_id = excluded.tenant_id, client_id = excluded.client_id,
       graph_base_url = excluded.graph_base_url, authority_host = excluded.authority_host,
       discovery_enabled = excluded.discovery_enabled, enabled = excluded.enabled, updated_at = now()`,
    [c.id, c.tenantId, c.clientId, c.graphBaseUrl, c.authorityHost, c.discoveryEnabled, c.enabled ?? true],
  );
}

export async function findConnector(db: Queryable, id: string): Promise<Connector | undefined> {
  const { rows } = await db.query(
    `select id, tenant_id as "tenantId", client_id as "clientId", graph_base_url as "graphBaseUrl",
            authority_host as "authorityHost", discovery_enabled as "discoveryEnabled", enabled
       from connectors where id = $1`,
    [id],
  );
  return rows[0] as Connector | undefined;
}

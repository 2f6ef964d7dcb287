import type { CredentialKind } from '../graph/credentials/credentialKinds';
import type { Queryable } from './database';

export type Connector = {
  id: string;
  tenantId: string;
  clientId: string;
  graphBaseUrl: string;
  authorityHost: string;
  discoveryEnabled: boolean;
  enabled: boolean;
  /** How it authenticates; the secret material itself is never a column here (see the secret store). */
  credentialKind: CredentialKind;
  /** For workload identity federation: the token file on the worker, re-read at every token request. */
  federatedTokenFile: string | null;
  /** The national cloud its endpoints were taken from, when they were. */
  cloud: string | null;
};

export type ConnectorInput = Omit<Connector, 'enabled' | 'credentialKind' | 'federatedTokenFile' | 'cloud'> &
  Partial<Pick<Connector, 'enabled' | 'credentialKind' | 'federatedTokenFile' | 'cloud'>>;

/** The client secret is deliberately not a column here: see the secret store of the worker. */
export async function upsertConnector(db: Queryable, c: ConnectorInput): Promise<void> {
  await db.query(
    `insert into connectors (id, tenant_id, client_id, graph_base_url, authority_host, discovery_enabled, enabled, credential_kind, federated_token_file, cloud)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     on conflict (id) do update set tenant_id = excluded.tenant_id, client_id = excluded.client_id,
       graph_base_url = excluded.graph_base_url, authority_host = excluded.authority_host,
       discovery_enabled = excluded.discovery_enabled, enabled = excluded.enabled,
       credential_kind = excluded.credential_kind, federated_token_file = excluded.federated_token_file,
       cloud = excluded.cloud, updated_at = now()`,
    [
      c.id,
      c.tenantId,
      c.clientId,
      c.graphBaseUrl,
      c.authorityHost,
      c.discoveryEnabled,
      c.enabled ?? true,
      c.credentialKind ?? 'clientSecret',
      c.federatedTokenFile ?? null,
      c.cloud ?? null,
    ],
  );
}

export const CONNECTOR_COLUMNS = `id, tenant_id as "tenantId", client_id as "clientId", graph_base_url as "graphBaseUrl",
  authority_host as "authorityHost", discovery_enabled as "discoveryEnabled", enabled,
  credential_kind as "credentialKind", federated_token_file as "federatedTokenFile", cloud`;

export async function findConnector(db: Queryable, id: string): Promise<Connector | undefined> {
  const { rows } = await db.query(`select ${CONNECTOR_COLUMNS} from connectors where id = $1`, [id]);
  return rows[0] as Connector | undefined;
}

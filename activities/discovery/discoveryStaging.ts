import type { Queryable } from '../store/database';

export type DiscoverySource = 'grant' | 'signIn';

/** Newest sign-in already stored for the connector. */
export async function newestStoredSignIn(db: Queryable, connectorId: string): Promise<Date | undefined> {
  const { rows } = await db.query<{ at: Date | null }>(
    `select max(occurred_at) as at from discovery_evidence where connector_id = $1 and kind = 'sign_in'`,
    [connectorId],
  );
  return rows[0]?.at ?? undefined;
}

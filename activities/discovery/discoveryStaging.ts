import type { Queryable } from '../store/database';

export type DiscoverySource = 'grant' | 'signIn';

export async function clearStagedDiscovery(db: Queryable, runId: number, source: DiscoverySource): Promise<void> {
  await db.query('delete from staged_discovery where run_id = $1 and source = $2', [runId, source]);
}

export async function recordDiscoveryPull(
  db: Queryable,
  runId: number,
  stream: string,
  pull: { pages: number; staged: number; requests: number; throttled: number; coverage: 'complete' | 'unavailable'; coverageReason?: string },
): Promise<void> {
  await db.query(
    `update sync_run_streams set pages = $3, staged = $4, requests = $5, throttled = $6, coverage = $7, coverage_reason = $8, pulled_at = now()
      where run_id = $1 and stream = $2`,
    [runId, stream, pull.pages, pull.staged, pull.requests, pull.throttled, pull.coverage, pull.coverageReason ?? null],
  );
}

/** Newest sign-in already stored for the connector. */
export async function newestStoredSignIn(db: Queryable, connectorId: string): Promise<Date | undefined> {
  const { rows } = await db.query<{ at: Date | null }>(
    `select max(occurred_at) as at from discovery_evidence where connector_id = $1 and kind = 'sign_in'`,
    [connectorId],
  );
  return rows[0]?.at ?? undefined;
}

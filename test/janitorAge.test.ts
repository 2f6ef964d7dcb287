import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_JANITOR_POLICY, sweepRuns } from '../activities/store/janitor';
import { claimRun } from '../activities/store/runs';
import { createTestDatabase } from './support/testDatabase';

const CONNECTOR = 'janitor-age';
const DAY_MS = 24 * 3600_000;

/**
 * When Temporal cannot be asked about a run's execution (`unknown`), the janitor abandons the run
 * only once it is older than ENTRA_RUN_ABANDON_AFTER (1 day). A run a reset reopened today is
 * young, however long ago it first started (issue 25, item 4).
 */
describe('the janitor, when Temporal cannot say', () => {
  let db: pg.Pool;

  beforeAll(async () => {
    db = new pg.Pool({ connectionString: await createTestDatabase(inject('postgresUrl'), 'janitorage'), max: 2 });
    await db.query(`insert into connectors (id, tenant_id, client_id, graph_base_url, authority_host) values ($1, 't', 'c', 'https://graph', 'https://login')`, [CONNECTOR]);
  });

  afterAll(async () => {
    await db?.end();
  });

  /** A run opened two days ago by `owner` that failed with its staging kept, as failRun leaves it. */
  async function failedTwoDaysAgo(owner: string): Promise<number> {
    const { rows } = await db.query<{ id: string }>(
      `insert into sync_runs (connector_id, workflow_id, workflow_run_id, base_generation, status, started_at, claimed_at, finished_at, error_kind)
       values ($1, 'wf', $2, 0, 'running', now() - interval '2 days', now() - interval '2 days', null, null) returning id`,
      [CONNECTOR, owner],
    );
    const id = Number(rows[0]!.id);
    await db.query(`insert into staged_objects (run_id, stream, object_id, data) values ($1, 'users', 'u1', '{"id":"u1"}')`, [id]);
    await db.query(`update sync_runs set status = 'failed', finished_at = now() - interval '47 hours', error_kind = 'GraphUnavailable' where id = $1`, [id]);
    return id;
  }

  const status = async (id: number) =>
    (await db.query<{ status: string; discarded: boolean; staged: number }>(
      `select status, staging_discarded_at is not null as discarded, (select count(*)::int from staged_objects where run_id = $1) as staged from sync_runs where id = $1`,
      [id],
    )).rows[0];

  it('keeps a run that a reset reopened today, though it started two days ago', async () => {
    const id = await failedTwoDaysAgo('first-execution');
    expect(await claimRun(db, id, 'reset-execution')).toBe('running');
    const report = await sweepRuns(db, CONNECTOR, async () => 'unknown', DEFAULT_JANITOR_POLICY);
    expect(report.abandoned).toEqual([]);
    expect(await status(id)).toEqual({ status: 'running', discarded: false, staged: 1 });
    await db.query(`update sync_runs set status = 'failed', finished_at = now() where id = $1`, [id]);
  });

  it('still abandons a run claimed longer ago than ENTRA_RUN_ABANDON_AFTER', async () => {
    const id = await failedTwoDaysAgo('old-execution');
    expect(await claimRun(db, id, 'reset-long-ago')).toBe('running');
    await db.query(`update sync_runs set claimed_at = now() - make_interval(secs => $2) where id = $1`, [id, (DAY_MS + 60_000) / 1000]);
    const report = await sweepRuns(db, CONNECTOR, async () => 'unknown', DEFAULT_JANITOR_POLICY);
    expect(report.abandoned).toContain(id);
    expect(await status(id)).toEqual({ status: 'abandoned', discarded: true, staged: 0 });
  });
});

import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { applyAuditEvents } from '../activities/finalize/applyAuditEvents';
import { createTestDatabase } from './support/testDatabase';

const CONNECTOR = 'audit-apply';

/**
 * Finalize stores a run's staged credential audit events chunk by chunk, so the worker never holds
 * them all: every event must still arrive once, classified, with the key ids it names, and an
 * event already stored by an earlier run must be neither stored twice nor counted.
 */
describe('applying staged audit events', () => {
  let pool: pg.Pool;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: await createTestDatabase(inject('postgresUrl'), 'auditapply'), max: 1 });
  });

  afterAll(async () => {
    await pool?.end();
  });

  it('stores all 2,500 events of a run, across chunk boundaries, once each', async () => {
    const events = Array.from({ length: 2_500 }, (_, i) => {
      const keyId = randomUUID();
      return {
        id: `event-${String(i).padStart(5, '0')}`,
        keyId,
        data: {
          activityDisplayName: i % 2 ? 'Update application – Certificates and secrets management ' : 'Add service principal credentials',
          targetResources: [{ modifiedProperties: [{ newValue: `[{"KeyIdentifier=${keyId},KeyType=Password"}]` }] }],
        },
      };
    });
    const tx = await pool.connect();
    try {
      await tx.query('begin');
      await tx.query(`insert into connectors (id, tenant_id, client_id, graph_base_url, authority_host) values ($1, 't', 'c', 'https://graph', 'https://login')`, [CONNECTOR]);
      const insertRun = async () =>
        Number((await tx.query<{ id: string }>(`insert into sync_runs (connector_id, workflow_id, workflow_run_id) values ($1, 'w', $2) returning id`, [CONNECTOR, randomUUID()])).rows[0]!.id);
      const stage = (syncRunId: number, staged: typeof events) =>
        tx.query('insert into staged_audit_events (run_id, id, data) select $1, e.i, e.d from unnest($2::text[], $3::jsonb[]) e(i, d)', [
          syncRunId,
          staged.map((e) => e.id),
          staged.map((e) => JSON.stringify(e.data)),
        ]);
      // An earlier run already stored the first 10.
      const earlier = await insertRun();
      await stage(earlier, events.slice(0, 10));
      expect(await applyAuditEvents(tx, CONNECTOR, earlier, null)).toEqual({ upserted: 10, removed: 0 });
      const run = await insertRun();
      await stage(run, events);

      const counts = await applyAuditEvents(tx, CONNECTOR, run, null);

      expect(counts).toEqual({ upserted: 2_490, removed: 0 });
      const { rows } = await tx.query<{ id: string; activity: string; keyIds: string[]; firstSeen: number }>(
        `select id, activity, key_ids as "keyIds", first_seen_run_id::int as "firstSeen" from credential_audit_events where connector_id = $1 order by id`,
        [CONNECTOR],
      );
      expect(rows.map((r) => r.id)).toEqual(events.map((e) => e.id));
      expect(rows.map((r) => r.keyIds)).toEqual(events.map((e) => [e.keyId]));
      expect(rows.filter((r) => r.firstSeen === earlier).map((r) => r.id)).toEqual(events.slice(0, 10).map((e) => e.id));
      expect(new Set(rows.map((r) => r.activity)).has('other')).toBe(false);
    } finally {
      await tx.query('rollback');
      tx.release();
    }
  });
});

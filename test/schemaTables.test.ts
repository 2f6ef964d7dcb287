import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, type Database } from '../activities/store/database';
import { leftovers } from '../reliability/invariants';
import { schemaTables } from './support/schemaTables';
import { tenantDigest } from './support/tableDigest';
import { createTestDatabase } from './support/testDatabase';

// What the reliability matrix compares and sweeps comes from the schema (test/support/schemaTables.ts):
// these tests prove a migration's new table is covered or named, never silently left out.
describe('the tables the reliability checks cover', () => {
  let client: Database;

  beforeAll(async () => {
    client = createDatabase(await createTestDatabase(inject('postgresUrl'), 'schema_tables'));
  });
  afterAll(() => client?.end());

  it('the migrated schema has no table that is neither committed, staging nor excluded with a reason, and no stale exclusion', async () => {
    const tables = await schemaTables(client);
    expect(tables.uncovered).toEqual([]);
    expect(tables.staleExclusions).toEqual([]);
    // The committed tables issue 26 found missing from the hand-written digest are in it now.
    const committed = tables.committed.map((c) => c.table);
    for (const table of [
      'users', 'groups', 'applications', 'service_principals', 'group_members', 'group_owners', 'credentials', 'owners',
      'app_role_assignments', 'directory_role_definitions', 'directory_role_assignments', 'credential_audit_events',
      'effective_entitlements', 'discovery_evidence', 'delta_cursors', 'audit_watermarks', 'administrative_units',
      'directory_role_schedule_instances', 'group_pim_schedule_instances', 'discovered_apps', 'relationship_history',
      'history_baselines', 'audit_sources', 'reconcile_reads', 'group_pim_reads', 'connectors',
    ]) expect(committed, table).toContain(table);
    // Staging is every table the guard trigger of migration 0011 is on (test/migrations.test.ts: every staged_* has it).
    expect(tables.staging).toEqual([
      'reconcile_shard_leases', 'reconcile_targets', 'staged_administrative_units', 'staged_app_role_assignments', 'staged_audit_events',
      'staged_directory_roles', 'staged_discovery', 'staged_group_owners', 'staged_group_pim_groups',
      'staged_group_pim_schedules', 'staged_memberships', 'staged_objects', 'staged_owners', 'staged_role_schedules',
    ]);
  });

  it('a new table with a connector column is in the digest, and a row in it changes the digest', async () => {
    await client.query(`insert into connectors (id, tenant_id, client_id, graph_base_url, authority_host) values ('c1', 't', 'c', 'https://graph', 'https://login')`);
    await client.query(`create table scratch_committed (connector_id text not null references connectors (id), id text not null, seen_run_id bigint)`);
    try {
      const before = await tenantDigest(client, 'c1');
      expect(before.scratch_committed).toEqual({ rows: 0, md5: expect.any(String) });
      await client.query(`insert into scratch_committed values ('c1', 'x', null)`);
      const after = await tenantDigest(client, 'c1');
      expect(after.scratch_committed!.rows).toBe(1);
      expect(after.scratch_committed!.md5).not.toBe(before.scratch_committed!.md5);
    } finally {
      await client.query('drop table scratch_committed');
      await client.query(`delete from connectors where id = 'c1'`);
    }
  });

  it('a new table without a connector column and without the staging guard is named as covered by nothing', async () => {
    await client.query(`create table scratch_unscoped (id text primary key)`);
    await client.query(`create table staged_scratch (run_id bigint not null references sync_runs (id), id text not null)`);
    try {
      expect((await schemaTables(client)).uncovered).toEqual(['scratch_unscoped', 'staged_scratch']);
    } finally {
      await client.query('drop table scratch_unscoped, staged_scratch');
    }
  });

  it('a new staging table with the guard is swept by the "nothing left in staging" check', async () => {
    await client.query(`insert into connectors (id, tenant_id, client_id, graph_base_url, authority_host) values ('c2', 't', 'c', 'https://graph', 'https://login')`);
    const { rows } = await client.query<{ id: string }>(`insert into sync_runs (connector_id, workflow_id, workflow_run_id) values ('c2', 'w', 'r') returning id`);
    await client.query(`create table staged_scratch (run_id bigint not null references sync_runs (id), id text not null)`);
    await client.query(`create trigger staged_scratch_open_run_ins after insert on staged_scratch referencing new table as new_rows
                          for each statement execute function staging_requires_running_run()`);
    try {
      await client.query(`insert into staged_scratch values ($1, 'x')`, [rows[0]!.id]);
      await client.query(`update sync_runs set status = 'failed' where id = $1`, [rows[0]!.id]);
      expect((await schemaTables(client)).staging).toContain('staged_scratch');
      expect(await leftovers(client)).toEqual(['1 rows left in staged_scratch']);
    } finally {
      await client.query('drop table staged_scratch');
      await client.query(`delete from connectors where id = 'c2'`);
    }
  });

  it('a commit counted on the connector without a run that succeeded (or the reverse) is reported', async () => {
    await client.query(`insert into connectors (id, tenant_id, client_id, graph_base_url, authority_host, commit_generation) values ('c3', 't', 'c', 'https://graph', 'https://login', 1)`);
    try {
      expect(await leftovers(client)).toEqual(['connector c3: commit generation 1, 0 succeeded run(s)']);
      // A reset of the tenant's data bumps the generation too, when the scenario says it made one.
      expect(await leftovers(client, 1)).toEqual([]);
      await client.query(`insert into sync_runs (connector_id, workflow_id, workflow_run_id, status) values ('c3', 'w', 'r', 'succeeded'), ('c3', 'w2', 'r', 'succeeded')`);
      expect(await leftovers(client)).toEqual(['connector c3: commit generation 1, 2 succeeded run(s)']);
    } finally {
      await client.query(`delete from connectors where id = 'c3'`);
    }
  });
});

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from './support/testDatabase';

const CONNECTOR = 'views';
const GLOBAL_ADMINISTRATOR = '62e90394-69f5-4237-9190-012177145e10';
const UNREAD_CUSTOM_ROLE = '3f1c2b8e-0000-4000-8000-000000000001';
const UNREAD_APP = 'sp-not-read';
const UNREAD_APP_ROLE = '7a1d1c2e-0000-4000-8000-000000000002';

/** The posture views keep rows whose role definition (or app) was not read, showing its id. */
describe('posture views with definitions that were not read', () => {
  let db: pg.Client;

  beforeAll(async () => {
    db = new pg.Client({ connectionString: await createTestDatabase(inject('postgresUrl'), 'views') });
    await db.connect();
    await db.query(`insert into connectors (id, tenant_id, client_id, graph_base_url, authority_host) values ($1, 't', 'c', 'https://graph', 'https://login')`, [CONNECTOR]);
    // Its partitions, as its first commit creates them (migration 0042).
    await db.query('select create_connector_partitions($1)', [CONNECTOR]);
    const run = await db.query<{ id: string }>(`insert into sync_runs (connector_id, workflow_id, workflow_run_id) values ($1, 'w', 'r') returning id`, [CONNECTOR]);
    const assignment = (id: string, roleDefinitionId: string) => ({
      id,
      principalId: 'user-1',
      roleDefinitionId,
      directoryScopeId: '/',
      principal: { '@odata.type': '#microsoft.graph.user' },
    });
    for (const a of [assignment('assignment-ga', GLOBAL_ADMINISTRATOR), assignment('assignment-custom', UNREAD_CUSTOM_ROLE)]) {
      await db.query(`insert into directory_role_assignments (connector_id, id, data, first_seen_run_id) values ($1, $2, $3, $4)`, [CONNECTOR, a.id, a, run.rows[0]!.id]);
    }
    await db.query(
      `insert into effective_entitlements (connector_id, principal_id, principal_type, resource_id, app_role_id, assignment_id, granted_via) values ($1, 'user-1', 'User', $2, $3, 'ara-1', 'direct')`,
      [CONNECTOR, UNREAD_APP, UNREAD_APP_ROLE],
    );
  });

  afterAll(async () => {
    await db?.end();
  });

  it('directory_role_members names an unknown role by its definition id', async () => {
    const { rows } = await db.query(`select assignment_id, role_name, role_definition_id from directory_role_members where connector_id = $1 order by assignment_id`, [CONNECTOR]);
    expect(rows).toEqual([
      { assignment_id: 'assignment-custom', role_name: UNREAD_CUSTOM_ROLE, role_definition_id: UNREAD_CUSTOM_ROLE },
      { assignment_id: 'assignment-ga', role_name: GLOBAL_ADMINISTRATOR, role_definition_id: GLOBAL_ADMINISTRATOR },
    ]);
  });

  it('privileged_role_members keeps a privileged built-in assignment whose definition was not read', async () => {
    const { rows } = await db.query(`select assignment_id, role_name, role_definition_id from privileged_role_members where connector_id = $1`, [CONNECTOR]);
    expect(rows).toEqual([{ assignment_id: 'assignment-ga', role_name: GLOBAL_ADMINISTRATOR, role_definition_id: GLOBAL_ADMINISTRATOR }]);
  });

  it('app_access keeps an entitlement to an app that was not read, named by its ids', async () => {
    const { rows } = await db.query(`select app_id, app_name, app_role_id, app_role from app_access where connector_id = $1`, [CONNECTOR]);
    expect(rows).toEqual([{ app_id: UNREAD_APP, app_name: UNREAD_APP, app_role_id: UNREAD_APP_ROLE, app_role: UNREAD_APP_ROLE }]);
  });
});

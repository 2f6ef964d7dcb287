import pg from 'pg';
import type { Deployment } from './stack';
import { until, untilHeld } from './waits';

/**
 * Holds a connector's row as another session would: a full run's finalize then waits at its last
 * statement, the commit-generation update, with all its work done and its transaction open; a
 * tail pass's finalize and a run's opening wait on their first lock of it.
 */
export async function holdConnectorRow(d: Deployment, connectorId = d.connectorId): Promise<{ release: () => Promise<void> }> {
  const session = new pg.Client({ connectionString: d.databaseUrl });
  // A restart of PostgreSQL, or a scenario that gives up, ends this session from the server side.
  session.on('error', () => undefined);
  await session.connect();
  await session.query('begin');
  await session.query('select 1 from connectors where id = $1 for no key update', [connectorId]);
  return {
    release: async () => {
      await session.query('commit').catch(() => undefined);
      await session.end().catch(() => undefined);
    },
  };
}

/**
 * Starts a run of the connector and holds its commit. The connector row is taken only once the
 * run has opened (a run's opening takes that row too, docs/run-lifecycle.md), while the run's
 * first users delta request is held; then the run goes on until its finalize waits on the row.
 */
export async function startRunHeldAtCommit(d: Deployment, connectorId = d.connectorId) {
  const opened = d.sim.faults.add({ pathPrefix: '/v1.0/users/delta', kind: 'hold', nth: 1 });
  try {
    const run = await d.startRun(connectorId);
    await untilHeld(d.sim, opened.id);
    const held = await holdConnectorRow(d, connectorId);
    return { run, held };
  } finally {
    d.sim.faults.remove(opened.id);
  }
}

/** Until a finalize waits on a held connector row: it has done everything but commit. */
export const untilFinalizeWaits = (d: Deployment) =>
  until('a finalize waiting on the connector row', async () => {
    const { rows } = await d.db.query(`select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like 'update connectors set commit_generation%'`);
    return rows.length > 0 ? true : undefined;
  });

/** Until at least `n` sessions of the deployment's database wait to lock a connector row (a tail pass's commit, a run's opening). */
export const untilConnectorLockWaiters = (d: Deployment, n: number, what: string) =>
  until(what, async () => {
    const { rows } = await d.db.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock' and query like 'select 1 from connectors where id = $1 for no key update%'`,
    );
    return rows[0]!.n >= n ? true : undefined;
  });

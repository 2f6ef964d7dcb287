import { ApplicationFailure } from '@temporalio/common';
import { AUDIT_STREAM, DELTA_STREAMS, DERIVED_STREAMS, DISCOVERY_STREAMS, GRANTS_STREAM, RELATIONSHIP_STREAMS, SIGN_INS_STREAM, type DeltaStream, type StreamMode } from '../../shared/streams';
import { applyStagedGroupOwners, applyStagedMemberships, swappedMembershipCounts } from './applyMemberships';
import { recordCursorQuery } from './cursorQueries';
import { applyStagedObjects, stagedObjectCounts } from './applyObjects';
import { LIVE_TABLES } from './liveTables';
import { swapNextTables, type Swapped } from './swapNextTables';
import { builtNextTables, type NextTable } from '../staging/nextTables';
import { inTransaction, type Database, type Queryable } from '../store/database';
import { deriveCredentials } from './deriveCredentials';
import { applyDiscovery } from './applyDiscovery';
import { applyAuditEvents } from './applyAuditEvents';
import { applyDirectoryRoles } from './applyDirectoryRoles';
import { applyRoleSchedules, ROLE_SCHEDULE_KINDS } from './applyRoleSchedules';
import { applyAdministrativeUnits } from './applyAdministrativeUnits';
import { applyGroupPimSchedules } from './applyGroupPimSchedules';
import { applyReconciled } from './applyReconciled';
import type { Counts } from './counts';
import { recomputeEntitlements } from './recomputeEntitlements';
import { recordHistory } from './recordHistory';
import { historyScopeOf, type HistoryScope } from './historyScope';
import { analyzeAfterBootstrap, bootstrapsDeltaStream } from './analyzeAfterBootstrap';
import { readRunSummary, type RunSummary } from './runSummary';
import { claimRun, discardOtherStaging, discardStaging, notResumable } from '../store/runs';
import { FailureKind } from '../../shared/failureKinds';
import { killPoint } from '../killPoint';
import { finalizeStep } from '../../shared/tracing/inSpan';
import { lockConnector } from '../store/planRun';
import type { RunKind } from '../../shared/runKinds';

type StreamRow = {
  stream: DeltaStream;
  mode: StreamMode;
  startLink: string | null;
  deltaLink: string | null;
  pulledAt: Date | null;
};

/**
 * Applies a run in one transaction: staged objects onto the live tables, tombstones, memberships,
 * credentials, cursor advance, the run record. Called again after it committed, it returns the
 * same summary. It commits only if nothing else committed for the connector since the run opened.
 */
export async function finalizeRun(db: Database, syncRunId: number, owner: string): Promise<RunSummary> {
  if ((await claimRun(db, syncRunId, owner)) === 'committed') return readRunSummary(db, syncRunId);
  await db.query('update sync_runs set finalize_started_at = now() where id = $1', [syncRunId]);
  // A bootstrap's staging went from empty to a whole tenant since autovacuum last looked: without
  // fresh statistics the planner picks nested-loop anti-joins that are quadratic in the tenant
  // size. An incremental run stages what changed and reads it by index; sampling the tables (0.1 s
  // at 100,000 users, most of it the dead rows of the last bootstrap's staging) buys it nothing.
  // Outside the transaction: ANALYZE's lock conflicts with itself, and held until commit it
  // would make every other connector's finalize wait for this one.
  const bootstrap = await bootstrapsDeltaStream(db, syncRunId);
  // Not at a first commit whose pulls built the large tables: what it still merges (groups,
  // applications, service principals, owners) went into empty tables in the same transaction, and
  // its anti-joins find staging rows by primary key (docs/bootstrap-swap.md).
  if (bootstrap && (await builtNextTables(db, syncRunId)).size === 0) {
    await finalizeStep('analyze', () => db.query('analyze staged_objects, staged_memberships, staged_group_owners'));
  }
  const { summary, swapped } = await finalizeStep('transaction', () => commitRun(db, syncRunId, owner));
  if (bootstrap) await analyzeAfterBootstrap(db, syncRunId, swapped);
  return summary;
}

/** The finalize transaction: everything the run read, applied and committed at once, or nothing. */
function commitRun(db: Database, syncRunId: number, owner: string): Promise<{ summary: RunSummary; swapped: Swapped }> {
  const none: Swapped = new Set();
  return inTransaction(db, async (tx) => {
    const run = await tx.query<{ status: string; owner: string; connectorId: string; base: string | null; kind: RunKind }>(
      `select status, workflow_run_id as owner, connector_id as "connectorId", base_generation as base, kind
         from sync_runs where id = $1 for update`,
      [syncRunId],
    );
    const { status, connectorId, base, kind } = run.rows[0]!;
    if (status === 'succeeded') return { summary: await readRunSummary(tx, syncRunId), swapped: none };
    // Taken over by a reset, or closed by the janitor, since the claim: leave it to its owner.
    if (run.rows[0]!.owner !== owner) throw notResumable(syncRunId, 'was taken over by a reset of its workflow');
    if (status !== 'running') throw notResumable(syncRunId, `is ${status}`);
    if (kind === 'tail') await requireTailTurn(tx, connectorId, syncRunId, base);
    else await requireGeneration(tx, connectorId, syncRunId, base);
    const streams = await tx.query<StreamRow>(
      `select stream, mode, start_link as "startLink", delta_link as "deltaLink", pulled_at as "pulledAt"
         from sync_run_streams where run_id = $1 and stream = any($2) order by stream`,
      [syncRunId, DELTA_STREAMS],
    );
    const unfinished = streams.rows.find((s) => !s.pulledAt || !s.deltaLink);
    if (unfinished) throw new Error(`run ${syncRunId}: stream ${unfinished.stream} has not finished pulling`);
    // First: what the pulls built is what every applier after this reads (docs/bootstrap-swap.md).
    const swapped = await finalizeStep('swap', () => swapNextTables(tx, connectorId, syncRunId, streams.rows, () => requireGeneration(tx, connectorId, syncRunId, base)));
    for (const s of streams.rows) {
      // A stream whose table was attached only counts what its pulls built.
      const apply = swapped.has(LIVE_TABLES[s.stream] as NextTable)
        ? () => stagedObjectCounts(tx, syncRunId, s.stream)
        : () => applyStagedObjects(tx, connectorId, syncRunId, s.stream, s.mode);
      const counts = await finalizeStep('applyObjects', apply, s.stream);
      await advanceCursor(tx, connectorId, syncRunId, s, base !== null);
      await recordCursorQuery(tx, connectorId, s.stream);
      await recordCounts(tx, syncRunId, s.stream, counts);
    }
    const groups = streams.rows.find((s) => s.stream === DERIVED_STREAMS.memberships.derivedFrom);
    const memberships = () =>
      swapped.has('group_members') ? swappedMembershipCounts(tx, connectorId, syncRunId) : applyStagedMemberships(tx, connectorId, syncRunId, groups!.mode);
    if (groups) await recordDerived(tx, syncRunId, 'memberships', groups, await finalizeStep('applyMemberships', memberships));
    if (groups) await recordDerived(tx, syncRunId, 'groupOwners', groups, await finalizeStep('applyGroupOwners', () => applyStagedGroupOwners(tx, connectorId, syncRunId, groups.mode)));
    const apps = streams.rows.find((s) => s.stream === DERIVED_STREAMS.credentials.derivedFrom);
    if (apps) await recordDerived(tx, syncRunId, 'credentials', apps, await finalizeStep('deriveCredentials', () => deriveCredentials(tx, connectorId, syncRunId)));

    // Which keys history diffs and which entitlements are recomputed: the whole tables, or what this run touched.
    const scope = await historyScopeOf(tx, syncRunId);
    await finalizeStep('applyRelationships', () => applyRelationshipStreams(tx, connectorId, syncRunId, scope, swapped.has('effective_entitlements')));
    await finalizeStep('applyDiscovery', () => applyDiscoveryStreams(tx, connectorId, syncRunId));
    // After every applier: history diffs what the live tables now hold (docs/history.md).
    await finalizeStep('recordHistory', () => recordHistory(tx, connectorId, syncRunId, scope, { membershipsBuilt: swapped.has('relationship_history') }));

    // Last, so the connector row is locked only for the commit itself.
    await finalizeStep('takeGeneration', () => takeGeneration(tx, connectorId, syncRunId, base));
    // clock_timestamp(): when the commit happens, not when the transaction began (now()).
    await tx.query(`update sync_runs set status = 'succeeded', finished_at = clock_timestamp() where id = $1`, [syncRunId]);
    await discardStaging(tx, syncRunId);
    // Runs that ended without committing read from an older state: they can never commit now.
    await discardOtherStaging(tx, connectorId, syncRunId);
    const summary = await readRunSummary(tx, syncRunId);
    killPoint('finalize:beforeCommit');
    return { summary, swapped };
  });
}

/**
 * A tail pass commits only between full runs: it locks the connector row for its whole commit
 * (a full run's prepare and its generation update wait for it), then, in statements that see what
 * committed before the lock, yields when a full run is running or anything committed since the
 * pass opened, or the connector was disabled (docs/run-lifecycle.md, "Tail passes and full runs").
 */
async function requireTailTurn(tx: Queryable, connectorId: string, syncRunId: number, base: string | null): Promise<void> {
  await lockConnector(tx, connectorId);
  const { rows } = await tx.query<{ generation: string; fullRun: string | null; enabled: boolean }>(
    `select commit_generation as generation, enabled,
            (select min(r.id) from sync_runs r where r.connector_id = c.id and r.kind = 'full' and r.status = 'running')::text as "fullRun"
       from connectors c where c.id = $1`,
    [connectorId],
  );
  const c = rows[0];
  if (!c?.enabled) throw tailPassYielded(syncRunId, `connector ${connectorId} was disabled`);
  if (c.fullRun) throw tailPassYielded(syncRunId, `full run ${c.fullRun} of connector ${connectorId} is running`);
  if (c.generation !== base) throw tailPassYielded(syncRunId, `another run of connector ${connectorId} committed after the pass opened`);
}

function tailPassYielded(syncRunId: number, why: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureKind.TailPassYielded,
    nonRetryable: true,
    message: `tail pass ${syncRunId} committed nothing: ${why}; the next pass reads on from the committed cursors`,
  });
}

/** Fails fast, before any work, when another run already committed since this one opened. */
async function requireGeneration(tx: Queryable, connectorId: string, syncRunId: number, base: string | null): Promise<void> {
  if (base === null) return;
  const { rows } = await tx.query<{ generation: string }>('select commit_generation as generation from connectors where id = $1', [connectorId]);
  if (rows[0]?.generation !== base) throw cursorConflict(connectorId, syncRunId);
}

/** Compare-and-set of the connector's commit generation: of two overlapping runs, one commits. */
async function takeGeneration(tx: Queryable, connectorId: string, syncRunId: number, base: string | null): Promise<void> {
  const { rowCount } = await tx.query(
    `update connectors set commit_generation = commit_generation + 1
      where id = $1 and ($2::bigint is null or commit_generation = $2::bigint)`,
    [connectorId, base],
  );
  if (rowCount !== 1) throw cursorConflict(connectorId, syncRunId);
}

function cursorConflict(connectorId: string, syncRunId: number): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureKind.CursorConflict,
    nonRetryable: true,
    message:
      `another run of connector ${connectorId} committed after run ${syncRunId} started; this run's changes were discarded ` +
      'and the next run continues from the newer state',
  });
}

/**
 * Owners, app role assignments, directory roles and audit events, each applied when this run
 * read it (a run of an older workflow version reads none), then the entitlements they imply.
 */
async function applyRelationshipStreams(tx: Queryable, connectorId: string, syncRunId: number, scope: HistoryScope, entitlementsBuilt: boolean): Promise<void> {
  const { rows } = await tx.query<{ stream: string; mode: StreamMode; pulledAt: Date | null; watermark: Date | null }>(
    `select stream, mode, pulled_at as "pulledAt", watermark from sync_run_streams where run_id = $1 and stream = any($2)`,
    [syncRunId, RELATIONSHIP_STREAMS],
  );
  const pulled = new Map(rows.filter((r) => r.pulledAt).map((r) => [r.stream, r]));
  const owners = pulled.get('owners');
  if (owners) {
    const counts = await applyReconciled(tx, connectorId, syncRunId, { keepChanged: scope.diff === 'touched' });
    await recordCounts(tx, syncRunId, 'owners', counts.owners);
    await recordCounts(tx, syncRunId, 'appRoleAssignments', counts.appRoleAssignments);
    await recordDerived(tx, syncRunId, 'entitlements', { stream: DERIVED_STREAMS.entitlements.derivedFrom, mode: 'full' }, await recomputeEntitlements(tx, connectorId, syncRunId, scope, entitlementsBuilt));
  }
  if (pulled.has('directoryRoleAssignments')) {
    await recordCounts(tx, syncRunId, 'directoryRoleAssignments', await applyDirectoryRoles(tx, connectorId, syncRunId));
  }
  for (const stream of Object.keys(ROLE_SCHEDULE_KINDS) as Array<keyof typeof ROLE_SCHEDULE_KINDS>) {
    if (pulled.has(stream)) await recordCounts(tx, syncRunId, stream, await applyRoleSchedules(tx, connectorId, syncRunId, stream));
  }
  if (pulled.has('administrativeUnits')) await recordCounts(tx, syncRunId, 'administrativeUnits', await applyAdministrativeUnits(tx, connectorId, syncRunId));
  if (pulled.has('groupPimSchedules')) await recordCounts(tx, syncRunId, 'groupPimSchedules', await applyGroupPimSchedules(tx, connectorId, syncRunId));
  const audits = pulled.get(AUDIT_STREAM);
  if (audits) await recordCounts(tx, syncRunId, AUDIT_STREAM, await applyAuditEvents(tx, connectorId, syncRunId, audits.watermark));
}

/** Discovery evidence, when the connector gathers it and both sources were read (or found unavailable). */
async function applyDiscoveryStreams(tx: Queryable, connectorId: string, syncRunId: number): Promise<void> {
  const { rows } = await tx.query<{ stream: string; pulledAt: Date | null }>(
    `select stream, pulled_at as "pulledAt" from sync_run_streams where run_id = $1 and stream = any($2)`,
    [syncRunId, DISCOVERY_STREAMS],
  );
  if (rows.length === 0) return;
  const missing = rows.find((r) => !r.pulledAt);
  if (missing) throw new Error(`run ${syncRunId}: discovery stream ${missing.stream} has not finished pulling`);
  const counts = await applyDiscovery(tx, connectorId, syncRunId);
  await recordCounts(tx, syncRunId, GRANTS_STREAM, counts.grants);
  await recordCounts(tx, syncRunId, SIGN_INS_STREAM, counts.signIns);
  await recordDerived(tx, syncRunId, 'discoveredApps', { stream: DERIVED_STREAMS.discoveredApps.derivedFrom, mode: 'full' }, counts.apps);
}

async function recordCounts(tx: Queryable, syncRunId: number, stream: string, c: Counts): Promise<void> {
  await tx.query('update sync_run_streams set upserted = $3, removed = $4 where run_id = $1 and stream = $2', [syncRunId, stream, c.upserted, c.removed]);
}

async function recordDerived(tx: Queryable, syncRunId: number, name: keyof typeof DERIVED_STREAMS, from: { stream: string; mode: StreamMode }, c: Counts): Promise<void> {
  await tx.query(
    `insert into sync_run_streams (run_id, stream, mode, derived_from, upserted, removed, pulled_at)
     values ($1, $2, $3, $4, $5, $6, now())`,
    [syncRunId, name, from.mode, from.stream, c.upserted, c.removed],
  );
}

/**
 * Moves the cursor to where the pull ended. Runs that recorded the generation they read from are
 * already guarded by it; older rows (in flight across the upgrade) still compare the link.
 */
async function advanceCursor(tx: Queryable, connectorId: string, syncRunId: number, s: StreamRow, guardedByGeneration: boolean): Promise<void> {
  if (guardedByGeneration) {
    await tx.query(
      `insert into delta_cursors (connector_id, stream, delta_link, run_id) values ($1, $2, $3, $4)
       on conflict (connector_id, stream) do update set delta_link = excluded.delta_link, run_id = excluded.run_id, updated_at = now()`,
      [connectorId, s.stream, s.deltaLink, syncRunId],
    );
    return;
  }
  const result = s.startLink
    ? await tx.query(
        `update delta_cursors set delta_link = $3, run_id = $4, updated_at = now()
          where connector_id = $1 and stream = $2 and delta_link = $5`,
        [connectorId, s.stream, s.deltaLink, syncRunId, s.startLink],
      )
    : await tx.query(
        `insert into delta_cursors (connector_id, stream, delta_link, run_id) values ($1, $2, $3, $4)
         on conflict (connector_id, stream) do nothing`,
        [connectorId, s.stream, s.deltaLink, syncRunId],
      );
  if (result.rowCount !== 1) throw cursorConflict(connectorId, syncRunId);
}

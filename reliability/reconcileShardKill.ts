import { markLog, readsSince } from './graphReads';
import type { ScenarioOutcome } from './scenario';
import type { Deployment } from './stack';
import { until, untilHeld } from './waits';

/** $batch sub-requests of the reconciliation: an app's or service principal's owners or assignments. */
const TARGET_READ = /^\/v1\.0\/(applications|servicePrincipals)\/([^/?]+)\//i;

/**
 * The sync worker killed while a reconcile shard's `nth` $batch is held: the retried shard keeps
 * the targets whose batches were stored before the kill and reads only the others. The held
 * request's sender is read from Temporal (the pending activity's type), not inferred from `nth`;
 * what was done is read from reconcile_targets with the worker dead; what was read again, from
 * the simulator's sub-request log.
 */
export async function reconcileShardKilled(d: Deployment, nth: number): Promise<ScenarioOutcome> {
  const { sim } = d;
  await d.startWorkers();
  const hold = sim.faults.add({ pathPrefix: '/v1.0/$batch', kind: 'hold', nth });
  try {
    const handle = await d.startRun();
    await untilHeld(sim, hold.id);
    const { raw } = await handle.describe();
    const pending = (raw.pendingActivities ?? []).map((a) => a.activityType?.name ?? 'unknown');
    // PIM for Groups (pullFullStream) sends $batch too: the held one must be a shard's.
    if (!pending.includes('reconcileShard') || pending.includes('pullFullStream')) {
      throw new Error(`the held $batch ${nth} was not a reconcile shard's: pending activities ${pending.join(', ') || 'none'}`);
    }
    // A shard's other lanes store their batches meanwhile: wait for one, so the proof has a target to keep.
    await until('a reconcile target stored as done', async () =>
      (await d.db.query(`select 1 from reconcile_targets t join sync_runs r on r.id = t.run_id where r.workflow_id = $1 and t.done limit 1`, [handle.workflowId])).rowCount ? true : undefined,
    );
    await d.killWorker('sync');
    // The worker is dead: nothing changes reconcile_targets until the retry.
    const { rows } = await d.db.query<{ id: string; done: boolean }>(
      `select lower(t.object_id) as id, t.done from reconcile_targets t join sync_runs r on r.id = t.run_id where r.workflow_id = $1`,
      [handle.workflowId],
    );
    const done = new Set(rows.filter((r) => r.done).map((r) => r.id));
    const unfinished = new Set(rows.filter((r) => !r.done).map((r) => r.id));
    const killed = markLog(sim);
    sim.faults.remove(hold.id);
    await d.startWorker('sync');
    await handle.result();

    const readAfter = new Set(
      readsSince(sim, killed)
        .subRequests.map((e) => TARGET_READ.exec(e.path)?.[2]?.toLowerCase())
        .filter((id): id is string => id !== undefined),
    );
    const again = [...done].filter((id) => readAfter.has(id));
    const unread = [...unfinished].filter((id) => !readAfter.has(id));
    if (again.length > 0 || unread.length > 0) {
      throw new Error(`after the kill, ${again.length} of ${done.size} done targets were read again (${again.slice(0, 3).join(', ')}) and ${unread.length} of ${unfinished.size} unfinished ones were not read`);
    }
    return { outcome: 'succeeded', detail: `held $batch ${nth} was reconcileShard's; ${done.size} targets done before the kill, none read again; the ${unfinished.size} unfinished read` };
  } finally {
    sim.faults.remove(hold.id);
  }
}

import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { EntraTailWorkflow, tailStatusQuery, triggerSignal, type TailStatus } from '../workflows/entraTail';
import { tailWorkflowId } from '../workflows/ids';
import { setConnectorTail } from '../activities/store/connectorTail';
import type { Queryable } from '../activities/store/database';
import { subscriptionsOfConnector } from '../activities/store/notificationSubscriptions';

/**
 * Starts the connector's tail, or wakes it when it runs (signal-with-start of a trigger): it reads
 * its connector before every pass, so a new interval applies at once.
 */
export async function ensureTail(client: Client, connectorId: string, taskQueue: string, reason: string): Promise<{ workflowId: string }> {
  const handle = await client.workflow.signalWithStart(EntraTailWorkflow, {
    taskQueue,
    workflowId: tailWorkflowId(connectorId),
    args: [{ connectorId }],
    signal: triggerSignal,
    signalArgs: [{ reason }],
  });
  return { workflowId: handle.workflowId };
}

/**
 * Wakes a running tail so it reads its connector again: turned off, disabled or removed, it ends
 * itself cleanly (between passes; a pass in flight finishes first). False: no tail was running.
 */
export async function wakeTail(client: Client, connectorId: string, reason: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(tailWorkflowId(connectorId)).signal(triggerSignal, { reason });
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

export type TailWorkflowView = { running: boolean; workflowId: string; status?: TailStatus; queryError?: string };

/** Whether the tail workflow runs, and what its query says. */
export async function describeTail(client: Client, connectorId: string): Promise<TailWorkflowView> {
  const workflowId = tailWorkflowId(connectorId);
  const handle = client.workflow.getHandle(workflowId);
  try {
    const described = await handle.describe();
    if (described.status.name !== 'RUNNING') return { running: false, workflowId };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { running: false, workflowId };
    throw err;
  }
  try {
    return { running: true, workflowId, status: await handle.query(tailStatusQuery) };
  } catch (err) {
    return { running: true, workflowId, queryError: (err as Error).message };
  }
}

export type SubscriptionsEnd = { deleted: true } | { deleted: false; left: number; lastExpiry: Date };

/**
 * Before `connector remove` deletes the row (and with it the credentials): turns the tail off and
 * has it end, since an ending tail deletes the connector's Graph subscriptions while it can still
 * authenticate (docs/notifications.md). Starts the tail for that when none runs. Waits at most
 * `waitMs` for a worker to do it; then says what is left (Graph ends them at their expiry).
 */
export async function endSubscriptionsBeforeRemoval(db: Queryable, client: Client, connectorId: string, taskQueue: string, waitMs = 60_000): Promise<SubscriptionsEnd> {
  if ((await subscriptionsOfConnector(db, connectorId)).length === 0) return { deleted: true };
  await setConnectorTail(db, connectorId, { enabled: false });
  await ensureTail(client, connectorId, taskQueue, 'connector removed: deleting its subscriptions');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.workflow.getHandle(tailWorkflowId(connectorId)).result().catch(() => undefined),
    new Promise((resolve) => (timer = setTimeout(resolve, waitMs))),
  ]);
  clearTimeout(timer);
  const left = await subscriptionsOfConnector(db, connectorId);
  if (left.length === 0) return { deleted: true };
  return { deleted: false, left: left.length, lastExpiry: new Date(Math.max(...left.map((s) => s.expiresAt.getTime()))) };
}

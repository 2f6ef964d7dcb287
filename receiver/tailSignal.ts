import { Client, Connection } from '@temporalio/client';
import { dataConverterFromEnv } from '../workers/codec';
import { temporalConnectionOptions } from '../shared/temporalConnectionOptions';
import type { TemporalSecurity } from '../shared/temporalSecurity';
import { tailWorkflowId } from '../workflows/ids';

/** The tail's workflow type and its trigger signal (tail mode, issue 28). */
export const TAIL_WORKFLOW_TYPE = 'EntraTailWorkflow';
export const TAIL_TRIGGER_SIGNAL = 'trigger';

export type TailTrigger = {
  (connectorId: string, reason: string): Promise<void>;
  close(): Promise<void>;
};

export type TemporalTargetOptions = { address: string; namespace: string; taskQueue: string; security: TemporalSecurity };

/**
 * Wakes a connector's tail with signal-with-start, so a tail that is not running is started with
 * the signal waiting. The connection is opened lazily (the receiver starts and accepts
 * notifications while Temporal is down) and dropped after a failed call, so the next call dials
 * afresh instead of waiting out gRPC's reconnect back-off. `deadlineMs` bounds each call: a slow
 * Temporal holds the forwarder, never a request.
 */
export function tailTrigger(target: TemporalTargetOptions, deadlineMs: number): TailTrigger {
  let client: Client | undefined;
  const open = () => {
    client ??= new Client({
      connection: Connection.lazy({ ...temporalConnectionOptions(target.address, target.security), connectTimeout: deadlineMs }),
      namespace: target.namespace,
      dataConverter: dataConverterFromEnv(),
    });
    return client;
  };
  const drop = async () => {
    const old = client;
    client = undefined;
    await old?.connection.close().catch(() => undefined);
  };
  const trigger = async (connectorId: string, reason: string) => {
    const c = open();
    try {
      await c.connection.withDeadline(Date.now() + deadlineMs, () =>
        c.workflow.signalWithStart(TAIL_WORKFLOW_TYPE, {
          workflowId: tailWorkflowId(connectorId),
          taskQueue: target.taskQueue,
          args: [{ connectorId }],
          signal: TAIL_TRIGGER_SIGNAL,
          signalArgs: [{ reason }],
        }),
      );
    } catch (err) {
      await drop();
      throw err;
    }
  };
  return Object.assign(trigger, { close: drop });
}

/** The signal's reason: which notifications woke the tail. */
export function triggerReason(event: string, count: number): string {
  return event === 'changed' ? `change notification (${count})` : `lifecycle notification: ${event}`;
}

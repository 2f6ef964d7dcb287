import { Context } from '@temporalio/activity';
import { DEFAULT_TAIL_INTERVAL_SECONDS } from '../../shared/runKinds';
import type { ActivityDeps } from '../deps';
import { readTailCheck, type TailCheck } from './tailState';

/** Asks for a full run of a connector (the worker triggers its schedule): the tail cannot read a stream whole. */
export type FullRunRequester = (connectorId: string, taskQueue: string) => Promise<'triggered' | 'started' | 'alreadyRunning'>;

/** The tail's look at its connector, each loop, so a change of interval or switch applies without restart. */
export function checkTailActivity({ db, tailIntervalSeconds }: ActivityDeps) {
  return async function checkTail(input: { connectorId: string }): Promise<TailCheck> {
    return readTailCheck(db, input.connectorId, tailIntervalSeconds ?? DEFAULT_TAIL_INTERVAL_SECONDS);
  };
}

export function requestFullRunActivity({ fullRuns }: ActivityDeps) {
  return async function requestFullRun(input: { connectorId: string }): Promise<{ requested: 'triggered' | 'started' | 'alreadyRunning' }> {
    if (!fullRuns) throw new Error('this worker cannot start runs (no Temporal client)');
    return { requested: await fullRuns(input.connectorId, Context.current().info.taskQueue) };
  };
}

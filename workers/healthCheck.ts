import type { Worker } from '@temporalio/worker';
import type { Queryable } from '../activities/store/database';
import type { Health } from './metricsServer';

const DATABASE_TIMEOUT_MS = 2_000;

/** Healthy: the worker polls its task queue and PostgreSQL answers within 2 s. */
export async function workerHealth(worker: Worker, db: Queryable): Promise<Health> {
  const state = worker.getState();
  let database = 'ok';
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      db.query('select 1'),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${DATABASE_TIMEOUT_MS} ms`)), DATABASE_TIMEOUT_MS);
      }),
    ]);
  } catch (err) {
    database = (err as Error).message;
  } finally {
    clearTimeout(timer);
  }
  return { ok: state === 'RUNNING' && database === 'ok', worker: state, taskQueue: worker.options.taskQueue, database };
}

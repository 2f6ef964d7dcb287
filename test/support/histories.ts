import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

export const HISTORIES_DIR = path.resolve('test/histories');

/**
 * With RECORD_HISTORIES=1, saves a run's history for the replay test. Record again when the
 * workflow's shape changes on purpose (behind patched()), keeping the old files too.
 */
export async function recordHistoryIfAsked(client: Client, run: { workflowId: string; runId: string }, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
  await mkdir(HISTORIES_DIR, { recursive: true });
  await writeFile(path.join(HISTORIES_DIR, `${name}.json`), historyToJSON(history));
}

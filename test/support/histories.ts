import { readFileSync } from 'node:fs';
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

export const HISTORIES_DIR = path.resolve('test/histories');

/** Histories are named after the release whose workflow code recorded them: `1.0.0-<name>.json`. */
const RELEASE = (JSON.parse(readFileSync(path.resolve('package.json'), 'utf8')) as { version: string }).version;

/**
 * With RECORD_HISTORIES=1, saves a run's history for the replay test. The recorded histories are
 * an archive of what deployed workers may still hold: a file is never overwritten, so record again
 * only under a new release version (docs/operations.md, "Upgrading").
 */
export async function recordHistoryIfAsked(client: Client, run: { workflowId: string; workflowRunId?: string }, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await client.workflow.getHandle(run.workflowId, run.workflowRunId).fetchHistory();
  await mkdir(HISTORIES_DIR, { recursive: true });
  const file = path.join(HISTORIES_DIR, `${RELEASE}-${name}.json`);
  try {
    await writeFile(file, historyToJSON(history), { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    throw new Error(`${file} is already recorded and recorded histories are never overwritten; bump the package version for a new workflow shape`);
  }
}

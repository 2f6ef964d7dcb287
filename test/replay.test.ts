import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { HISTORIES_DIR } from './support/histories';
import { workflowBundle } from './support/syncHarness';

const files = (await readdir(HISTORIES_DIR)).filter((f) => f.endsWith('.json')).sort();

describe('recorded EntraSyncWorkflow histories replay against the current workflow code', () => {
  it('has recorded histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
  });

  it.each(files)('%s', async (file) => {
    const history = JSON.parse(await readFile(path.join(HISTORIES_DIR, file), 'utf8'));
    // Throws DeterminismViolationError when today's code would take other steps than the recorded run.
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, file);
  });
});

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { HISTORIES_DIR } from './support/histories';
import { patchIdsIn, patchMarkers } from './support/patchMarkers';
import { workflowBundle } from './support/syncHarness';
import { workflowTraceSinks } from '../workers/traceInterceptors';

const files = (await readdir(HISTORIES_DIR)).filter((f) => f.endsWith('.json')).sort();
// Decoded as the SDK decodes histories (payload bytes, not their base64 text), so patch markers can be read.
const histories = await Promise.all(files.map(async (file) => ({ file, history: historyFromJSON(JSON.parse(await readFile(path.join(HISTORIES_DIR, file), 'utf8'))) })));
const WORKFLOWS_DIR = path.resolve('workflows');
const workflowSources = await Promise.all(
  (await readdir(WORKFLOWS_DIR)).filter((f) => f.endsWith('.ts')).map((f) => readFile(path.join(WORKFLOWS_DIR, f), 'utf8')),
);

describe('recorded EntraSyncWorkflow histories replay against the current workflow code', () => {
  it('has the 1.0.0 baseline: success, failure, resync, cancel, reset that continues as new, no discovery worker', () => {
    const endings = ['users-bootstrap-succeeded', 'users-incremental-failed', 'users-resync-with-activity-retry', 'cancelled-mid-pull', 'reset-past-failure-continued-as-new', 'no-discovery-worker-failed'];
    expect(endings.filter((name) => !files.includes(`1.0.0-${name}.json`))).toEqual([]);
  });

  it('has the 1.1.0 tail: the tail workflow coalescing, continuing as new and waiting for a full run; passes committed, yielded, needing a full run', () => {
    const endings = ['tail-coalesced-triggers', 'tail-continued-as-new', 'tail-waited-for-full-run', 'tail-pass-incremental-committed', 'tail-pass-yielded', 'tail-pass-needs-full-run'];
    expect(endings.filter((name) => !files.includes(`1.1.0-${name}.json`))).toEqual([]);
  });

  it('has the 1.2.0 tail keeping its Graph subscriptions: at its start, on their timer, on a lifecycle notification, after a recreation', () => {
    expect(files).toContain('1.2.0-tail-managed-subscriptions.json');
    expect(files).toContain('1.2.0-tail-kept-trigger-during-full-run.json');
  });

  it('has the 1.3.0 full run reconciling in two waves (the patch reconcile-before-audit taken)', () => {
    expect(files).toContain('1.3.0-inventory-bootstrap-succeeded.json');
  });

  it("has the 1.4.0 first bootstrap building its entitlements before finalize (the patch entitlements-before-finalize taken)", () => {
    expect(files).toContain('1.4.0-first-bootstrap-builds-entitlements.json');
    expect(files).toContain('1.4.0-inventory-bootstrap-succeeded.json');
  });

  it.each(files)('%s', async (file) => {
    const { history } = histories.find((h) => h.file === file)!;
    // Throws DeterminismViolationError when today's code would take other steps than the recorded run.
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), sinks: workflowTraceSinks() }, history, file);
  });

  it('every patch in workflows/ is replayed both ways: a history that took it and one recorded before it', () => {
    const recorded = histories.map(({ file, history }) => ({ file, markers: patchMarkers(history) }));
    const uncovered = workflowSources.flatMap(patchIdsIn).filter((id) => {
      const taken = recorded.some((h) => h.markers.includes(id));
      const notTaken = recorded.some((h) => !h.markers.includes(id));
      return !(taken && notTaken);
    });
    expect(uncovered, 'record a history with RECORD_HISTORIES=1 under the new release (docs/testing.md)').toEqual([]);
  });

  it('finds the patch ids a workflow passes to patched(), literal or constant', () => {
    const source = "export const LATER_PATCH = 'later-v1';\nif (patched(LATER_PATCH)) a();\nif (patched('inline-v2')) b();\ndeprecatePatch('old-v0');";
    expect(patchIdsIn(source)).toEqual(['later-v1', 'inline-v2', 'old-v0']);
  });
});

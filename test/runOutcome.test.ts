import { describe, expect, it } from 'vitest';
import type { StreamSummary } from '../activities';
import { formatOutcome } from '../client/formatOutcome';
import type { RunOutcome } from '../client/runOutcome';

const stream = (mode: StreamSummary['mode']): StreamSummary => ({ mode, upserted: 1, removed: 0, pages: 1, requests: 1, subRequests: 0, throttled: 0 });

describe('formatOutcome', () => {
  it('keeps the summary columns aligned for the longest stream names', () => {
    const outcome: RunOutcome = {
      status: 'succeeded',
      connectorId: 'default',
      workflowId: 'entra-sync-default',
      workflowRunId: 'run',
      durationMs: 1_000,
      streams: {
        users: stream('incremental'),
        credentialAuditEvents: stream('bootstrap'),
        directoryRoleAssignments: stream('incremental'),
      },
    };
    const rows = formatOutcome(outcome).split('\n').slice(1);
    expect(rows).toHaveLength(3);
    // Every row: two spaces, the name, at least one space, then the mode column at one offset.
    const modeColumns = rows.map((row) => row.search(/ (bootstrap|incremental) /) + 1);
    const upsertedColumns = rows.map((row) => row.indexOf('upserted'));
    expect(new Set(modeColumns).size).toBe(1);
    expect(new Set(upsertedColumns).size).toBe(1);
    for (const row of rows) expect(row).toMatch(/^ {2}\S+ +\S+ +upserted/);
  });
});

describe('formatOutcome of audit lag', () => {
  const outcome = (auditLagSeconds: Record<string, number>): RunOutcome => ({
    status: 'succeeded',
    connectorId: 'default',
    workflowId: 'entra-sync-default',
    workflowRunId: 'run',
    durationMs: 1_000,
    streams: { credentialAuditEvents: { ...stream('incremental'), auditLagSeconds } },
  });

  it('says which audit queries are behind and by how much at most, and nothing once all caught up', () => {
    expect(formatOutcome(outcome({ 'Add owner to': 0, 'Add app role assignment': 5400, 'Consent to application': 60 }))).toContain(
      ', behind by 5400s (Add app role assignment, Consent to application)',
    );
    expect(formatOutcome(outcome({ 'Add owner to': 0 }))).not.toContain('behind');
  });
});

import { auditLagNote } from '../shared/auditLag';
import type { RunOutcome } from './runOutcome';

/** The run summary as a person reads it: one line per stream, columns aligned. */
export function formatOutcome(o: RunOutcome): string {
  const lines = [
    `sync ${o.status} in ${(o.durationMs / 1000).toFixed(1)}s  (connector ${o.connectorId}, workflow ${o.workflowId})`,
  ];
  const streams = Object.entries(o.streams);
  // Columns as wide as their longest entry: stream names grow (directoryRoleAssignments).
  const nameWidth = Math.max(0, ...streams.map(([name]) => name.length));
  const modeWidth = Math.max(0, ...streams.map(([, s]) => s.mode.length));
  for (const [name, s] of streams) {
    lines.push(
      `  ${name.padEnd(nameWidth)} ${s.mode.padEnd(modeWidth)} upserted ${s.upserted}, removed ${s.removed}, pages ${s.pages}, requests ${s.requests}, throttled ${s.throttled}` +
        (s.subRequests ? `, sub-requests ${s.subRequests}` : '') +
        (s.resyncReason ? `, re-bootstrapped (${s.resyncReason})` : '') +
        (s.coverage === 'unavailable' ? `, unavailable: ${s.coverageReason ?? 'no reason given'}` : '') +
        (auditLagNote(s.auditLagSeconds) ? `, ${auditLagNote(s.auditLagSeconds)}` : ''),
    );
  }
  if (o.resets?.length) lines.push(`  reset from event ${o.resets.map((r) => r.fromEventId).join(', then from event ')}: ${o.status} (run ${o.workflowRunId})`);
  if (o.error) lines.push(`  error ${o.error.kind}: ${o.error.message}`);
  if (o.temporalUiUrl) lines.push(`  Temporal UI: ${o.temporalUiUrl}`);
  return lines.join('\n');
}

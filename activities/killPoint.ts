/**
 * Where the reliability harness can make a sync worker die on its own, at a point no Graph request
 * marks (docs/RELIABILITY.md). A worker started with ENTRA_SYNC_KILL_AT=<point> SIGKILLs itself the
 * first time it gets there; the harness restarts it without the variable. Unset, this is a no-op.
 */
export const KILL_POINTS = [
  'prepareRun:afterCommit',
  'build:afterLastPage',
  'pull:afterRecord',
  'planReconciliation:afterCommit',
  'build:afterEntitlements',
  'finalize:afterSwap',
  'finalize:beforeCommit',
  'finalize:afterCommit',
  'failRun:afterCommit',
] as const;

export type KillPoint = (typeof KILL_POINTS)[number];

export const KILL_AT_VARIABLE = 'ENTRA_SYNC_KILL_AT';

export function killPoint(point: KillPoint): void {
  if (process.env[KILL_AT_VARIABLE] === point) process.kill(process.pid, 'SIGKILL');
}

/**
 * The one rule for ended PIM schedule instances, directory roles and PIM for Groups alike
 * (docs/inventory.md, "Ended schedule instances"): an instance whose endDateTime is at or before the
 * run's start has ended. Finalize never inserts one, even when Graph still lists it, and removes
 * one the copy holds, whether or not the run read it. So an ended instance leaves the copy once,
 * at the first run after its end, and never comes back to leave again.
 */
export const hasEnded = (endAt: string, runStartedAt: string): string => `coalesce(${endAt} <= ${runStartedAt}, false)`;

/** A staged instance (its end from the data Graph sent; the live tables keep it as end_at) not ended by the run's start. */
export const stagedInForce = (alias: string, runStartedAt: string): string => `not ${hasEnded(`graph_timestamp(${alias}.data ->> 'endDateTime')`, runStartedAt)}`;

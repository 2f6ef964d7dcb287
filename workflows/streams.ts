/** The Graph delta streams a run pulls. Grows with the inventory; order is the fan-out order. */
export const DELTA_STREAMS = ['users'] as const;
export type DeltaStream = (typeof DELTA_STREAMS)[number];

export type StreamMode = 'bootstrap' | 'incremental';

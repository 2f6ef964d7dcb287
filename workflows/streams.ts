/** The Graph delta streams a run pulls, in parallel. */
export const DELTA_STREAMS = ['users', 'groups', 'applications', 'servicePrincipals'] as const;
export type DeltaStream = (typeof DELTA_STREAMS)[number];

/** bootstrap / incremental for delta and watermark streams; full for what is re-read every run. */
export type StreamMode = 'bootstrap' | 'incremental' | 'full';

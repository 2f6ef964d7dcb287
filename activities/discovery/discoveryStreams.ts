export const GRANTS_STREAM = 'permissionGrants';
export const SIGN_INS_STREAM = 'signIns';
export const DISCOVERY_STREAMS = [GRANTS_STREAM, SIGN_INS_STREAM] as const;

/** How far back the first sign-in pull looks, and how much a later one re-reads. */
export const SIGN_IN_LOOKBACK_MS = 7 * 86_400_000;
export const SIGN_IN_OVERLAP_MS = 15 * 60_000;

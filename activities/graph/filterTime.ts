/** `2026-01-01T00:00:00Z`: Graph's date filters want unquoted UTC without fractions. */
export const filterTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

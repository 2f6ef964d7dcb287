import { z } from 'zod';
import { FAULT_KINDS, MALFORMED_COLLECTIONS, MEMBERS_MALFORMATIONS, RETRY_AFTER_FORMS } from './faults';
import { RETRY_AFTER_FORMATS } from './retryAfter';

// Bodies of the traffic control routes (/_sim/throttling, /_sim/latency, /_sim/faults).

export const throttlingPatchSchema = z.strictObject({
  enabled: z.boolean().optional(),
  limitMultiplier: z.number().positive().optional(),
  /** null returns to the tenant-size tiers. */
  fixedLimit: z.number().min(1).nullable().optional(),
  reportsLimit: z.number().min(1).optional(),
  reportsWindowMs: z.number().min(100).optional(),
  retryAfterFormat: z.enum(RETRY_AFTER_FORMATS).optional(),
  /** Empty every bucket as well. */
  resetUsage: z.boolean().optional(),
});

const nonNegative = z.number().min(0);

export const latencyDistributionSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('none') }),
  z.strictObject({ kind: z.literal('fixed'), ms: nonNegative }),
  z.strictObject({ kind: z.literal('uniform'), minMs: nonNegative, maxMs: nonNegative }),
  z.strictObject({ kind: z.literal('logNormal'), medianMs: z.number().positive(), p99Ms: z.number().positive() }),
]);

export const latencySettingsSchema = z.strictObject({
  distribution: latencyDistributionSchema.optional(),
  seed: z.number().int().optional(),
  scope: z.enum(['graph', 'all']).optional(),
  slowBody: z.strictObject({ chunkBytes: z.number().int().min(1), chunkDelayMs: nonNegative }).nullable().optional(),
});

export const faultSpecSchema = z.strictObject({
  pathPrefix: z.string().startsWith('/'),
  method: z.string().optional(),
  nth: z.number().int().min(1).optional(),
  times: z.number().int().min(1).optional(),
  probability: z.number().min(0).max(1).optional(),
  seed: z.number().int().optional(),
  kind: z.enum(FAULT_KINDS).optional(),
  status: z.number().int().min(400).max(599).optional(),
  retryAfterSeconds: nonNegative.optional(),
  retryAfterForm: z.enum(RETRY_AFTER_FORMS).optional(),
  code: z.string().min(1).optional(),
  message: z.string().min(1).optional(),
  afterHeaders: z.boolean().optional(),
  bodyFraction: z.number().min(0).lt(1).optional(),
  chunkBytes: z.number().int().min(1).optional(),
  chunkDelayMs: nonNegative.optional(),
  malformation: z.enum(MEMBERS_MALFORMATIONS).optional(),
  collection: z.enum(MALFORMED_COLLECTIONS).optional(),
});

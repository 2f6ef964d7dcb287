import { z } from 'zod';
import type { LatencyDistribution } from '../traffic/latency';
import { latencyDistributionSchema } from '../traffic/trafficSchemas';

// How the simulated change-notification service behaves (docs/graph-behaviour.md, "Change
// notifications"). Defaults follow Microsoft's documented figures; tests shrink the durations.
// Delivery timing (latency, timeouts, back-off, throttling) runs on real time; subscription
// lifetimes, authorization and the 4-hour retry limit run on the tenant's movable clock.

export interface NotificationSettings {
  /** Delay between a change and its notification leaving. Default none (instant). */
  latency: LatencyDistribution;
  /** Seed of latency, loss, duplicate and reorder draws. */
  seed: number;
  /** Notifications due within this window of the first go out in one POST. */
  batchWindowMs: number;
  maxBatchSize: number;
  /** Chance that a notification is sent twice (each copy on its own schedule). */
  duplicateProbability: number;
  /** Chance that a notification silently disappears. */
  lossProbability: number;
  /** Shuffle the notifications inside each POST (seeded). */
  reorder: boolean;
  /** A service-side outage: nothing is sent while on; notifications wait (and age toward the retry limit). */
  hold: boolean;
  /** Handshake: the endpoint must echo the token within this time. Microsoft: 10 s. */
  validationTimeoutMs: number;
  /** First delivery attempt: a 2xx within this time counts as delivered. Microsoft: 3 s. */
  firstAttemptTimeoutMs: number;
  /** Retried attempts wait this long. Microsoft: 10 s. */
  retryTimeoutMs: number;
  /** Exponential back-off of retries: first delay, doubled per attempt up to the maximum (Microsoft gives no figures). */
  retryInitialDelayMs: number;
  retryMaxDelayMs: number;
  /** A notification not delivered within this long (tenant clock) is dropped. Microsoft: 4 hours. */
  giveUpAfterSeconds: number;
  /** Slow and drop rules of an endpoint that answers late. */
  throttle: EndpointThrottleSettings;
  /** How long a create, renewal or reauthorization keeps a subscription authorized (tenant clock). Microsoft: about an hour. 0: forever. */
  authorizationLifetimeSeconds: number;
  /** reauthorizationRequired goes out this long before authorization or the subscription runs out, then every `reauthorizationRepeatSeconds`. */
  reauthorizationLeadSeconds: number;
  reauthorizationRepeatSeconds: number;
  /** Most subscriptions per app in one tenant and per tenant (users and groups). Microsoft: 100 and 1,000. */
  maxSubscriptionsPerApp: number;
  maxSubscriptionsPerTenant: number;
  /** How often (real time) expiry, lifecycle and paused deliveries are looked at. */
  tickMs: number;
}

export interface EndpointThrottleSettings {
  enabled: boolean;
  /** Responses are judged over this window (Microsoft: 10 minutes). */
  windowMs: number;
  /** Fewest responses in the window before the shares are judged (an older version of Microsoft's page: 100). */
  minSamples: number;
  /** Share of first attempts not answered within `firstAttemptTimeoutMs` that marks the endpoint slow (10%). */
  slowShare: number;
  /** Share of retries not answered within `retryTimeoutMs` that marks it drop (15%). */
  dropShare: number;
  /** Slow: new notifications wait this long (10 minutes). */
  slowDelayMs: number;
  /** Drop: new notifications are dropped for this long (10 minutes). */
  dropForMs: number;
}

/** Microsoft's stated latency for users and groups: under 2 minutes on average, at most 15 minutes. */
export const MICROSOFT_STATED_LATENCY: LatencyDistribution = { kind: 'logNormal', medianMs: 60_000, p99Ms: 900_000 };
/** No sample exceeds Microsoft's stated maximum. */
export const MAX_NOTIFICATION_LATENCY_MS = 900_000;

export function defaultNotificationSettings(seed: number): NotificationSettings {
  return {
    latency: { kind: 'none' },
    seed,
    batchWindowMs: 0,
    maxBatchSize: 100,
    duplicateProbability: 0,
    lossProbability: 0,
    reorder: false,
    hold: false,
    validationTimeoutMs: 10_000,
    firstAttemptTimeoutMs: 3_000,
    retryTimeoutMs: 10_000,
    retryInitialDelayMs: 30_000,
    retryMaxDelayMs: 3_600_000,
    giveUpAfterSeconds: 4 * 3600,
    throttle: { enabled: true, windowMs: 600_000, minSamples: 100, slowShare: 0.1, dropShare: 0.15, slowDelayMs: 600_000, dropForMs: 600_000 },
    authorizationLifetimeSeconds: 3600,
    reauthorizationLeadSeconds: 900,
    reauthorizationRepeatSeconds: 900,
    maxSubscriptionsPerApp: 100,
    maxSubscriptionsPerTenant: 1000,
    tickMs: 1000,
  };
}

const ms = z.number().min(0);
const share = z.number().min(0).max(1);

/** PATCH /_sim/notifications/settings: any subset; `latency: "microsoftStated"` picks Microsoft's figures. */
export const notificationSettingsPatchSchema = z.strictObject({
  latency: z.union([latencyDistributionSchema, z.literal('microsoftStated')]).optional(),
  seed: z.number().int().optional(),
  batchWindowMs: ms.optional(),
  maxBatchSize: z.number().int().min(1).optional(),
  duplicateProbability: share.optional(),
  lossProbability: share.optional(),
  reorder: z.boolean().optional(),
  hold: z.boolean().optional(),
  validationTimeoutMs: z.number().min(1).optional(),
  firstAttemptTimeoutMs: z.number().min(1).optional(),
  retryTimeoutMs: z.number().min(1).optional(),
  retryInitialDelayMs: ms.optional(),
  retryMaxDelayMs: ms.optional(),
  giveUpAfterSeconds: ms.optional(),
  throttle: z
    .strictObject({
      enabled: z.boolean().optional(),
      windowMs: z.number().min(1).optional(),
      minSamples: z.number().int().min(1).optional(),
      slowShare: share.optional(),
      dropShare: share.optional(),
      slowDelayMs: ms.optional(),
      dropForMs: ms.optional(),
    })
    .optional(),
  authorizationLifetimeSeconds: ms.optional(),
  reauthorizationLeadSeconds: ms.optional(),
  reauthorizationRepeatSeconds: z.number().min(1).optional(),
  maxSubscriptionsPerApp: z.number().int().min(0).optional(),
  maxSubscriptionsPerTenant: z.number().int().min(0).optional(),
  tickMs: z.number().min(10).optional(),
});

export type NotificationSettingsPatch = z.infer<typeof notificationSettingsPatchSchema>;

/** Applies a patch in place (what the control API and startSimulator options do). */
export function applySettingsPatch(settings: NotificationSettings, patch: NotificationSettingsPatch): NotificationSettings {
  const { latency, throttle, ...rest } = patch;
  for (const [name, value] of Object.entries(rest)) if (value !== undefined) (settings as unknown as Record<string, unknown>)[name] = value;
  if (latency !== undefined) settings.latency = latency === 'microsoftStated' ? MICROSOFT_STATED_LATENCY : latency;
  if (throttle) for (const [name, value] of Object.entries(throttle)) if (value !== undefined) (settings.throttle as unknown as Record<string, unknown>)[name] = value;
  return settings;
}

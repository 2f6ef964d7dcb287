import type { TenantStore } from '../tenant/tenantStore';
import { ChangeMix } from './changeMix';
import type { TenantChange } from './tenantChange';

export type SteadyChangesOptions = {
  /** Changes per second, evenly spaced. */
  ratePerSecond: number;
  durationMs: number;
  seed: number;
  /** The simulator clock (ms); each change's `at` is read from it. Default: the tenant's time. */
  now?: () => number;
  /** The changes to make (another mix of kinds, or one the caller goes on with afterwards); `seed` and `now` then are the mix's. */
  mix?: ChangeMix;
};

export type SteadyChanges = {
  /** Every change made so far, in order. */
  readonly log: readonly TenantChange[];
  /** Resolves with the whole log when the duration is over or stop() was called. */
  readonly done: Promise<readonly TenantChange[]>;
  stop: () => void;
};

/**
 * Makes ChangeMix changes at a steady rate for a duration: change n is due at n / rate seconds
 * after the start, so a late timer catches up instead of lowering the rate.
 */
export function startSteadyChanges(tenant: TenantStore, options: SteadyChangesOptions): SteadyChanges {
  if (!(options.ratePerSecond > 0)) throw new RangeError('ratePerSecond must be above 0');
  const mix = options.mix ?? new ChangeMix(tenant, options.seed, options.now);
  const log: TenantChange[] = [];
  const started = performance.now();
  const total = Math.floor((options.durationMs / 1000) * options.ratePerSecond);
  let timer: NodeJS.Timeout | undefined;
  let finish: (log: readonly TenantChange[]) => void = () => undefined;
  const done = new Promise<readonly TenantChange[]>((resolve) => (finish = resolve));
  const stop = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    finish(log);
  };
  const tick = () => {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * options.ratePerSecond) + 1);
    while (log.length < due) {
      const change = mix.next();
      if (!change) return stop();
      log.push(change);
    }
    if (log.length >= total) return stop();
    const nextAt = started + (log.length / options.ratePerSecond) * 1000;
    timer = setTimeout(tick, Math.max(0, nextAt - performance.now()));
  };
  if (total === 0) stop();
  else tick();
  return { log, done, stop };
}

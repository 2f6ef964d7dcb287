import type { EndpointThrottleSettings } from './notificationSettings';

export type EndpointState = 'normal' | 'slow' | 'drop';

interface Sample {
  atMs: number;
  /** A first attempt not answered within its timeout. */
  late: boolean;
  /** A retry not answered within its (longer) timeout. */
  retryLate: boolean;
  retry: boolean;
}

/**
 * Microsoft's rules for an endpoint that answers late, judged over a sliding window (real time):
 * more than `slowShare` of first attempts late marks it slow (new notifications wait
 * `slowDelayMs`); more than `dropShare` of retries late marks it drop (new notifications are
 * dropped for `dropForMs`). Once the state's period is over the window starts afresh.
 */
export class EndpointThrottle {
  private samples: Sample[] = [];
  private state: EndpointState = 'normal';
  private stateUntilMs = 0;

  constructor(private readonly settings: () => EndpointThrottleSettings) {}

  record(sample: Omit<Sample, 'atMs'>, nowMs: number): void {
    const settings = this.settings();
    if (!settings.enabled) return;
    this.samples.push({ ...sample, atMs: nowMs });
    this.samples = this.samples.filter((s) => s.atMs > nowMs - settings.windowMs);
    const firsts = this.samples.filter((s) => !s.retry);
    const retries = this.samples.filter((s) => s.retry);
    if (this.samples.length < settings.minSamples) return;
    const share = (list: Sample[], pick: (s: Sample) => boolean) => (list.length === 0 ? 0 : list.filter(pick).length / list.length);
    if (share(retries, (s) => s.retryLate) > settings.dropShare) this.enter('drop', nowMs + settings.dropForMs);
    else if (this.state !== 'drop' && share(firsts, (s) => s.late) > settings.slowShare) this.enter('slow', nowMs + settings.windowMs);
  }

  current(nowMs: number): EndpointState {
    if (this.state !== 'normal' && nowMs >= this.stateUntilMs) {
      this.state = 'normal';
      this.samples = [];
    }
    return this.settings().enabled ? this.state : 'normal';
  }

  private enter(state: EndpointState, untilMs: number): void {
    if (this.state === state) return;
    this.state = state;
    this.stateUntilMs = untilMs;
  }
}

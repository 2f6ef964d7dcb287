import { createRandom, hashSeed, type Random } from '../generate/random';

/** How long the simulator waits before answering. */
export type LatencyDistribution =
  | { kind: 'none' }
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  /** Heavy right tail, like real service latency: half the answers within `medianMs`, 99% within `p99Ms`. */
  | { kind: 'logNormal'; medianMs: number; p99Ms: number };

export interface LatencyOptions {
  distribution?: LatencyDistribution;
  /** Seed of the delay sequence. Default: the simulator's seed. */
  seed?: number;
  /** 'graph' (default): /v1.0 and /beta; 'all': the identity platform too. Control routes never wait. */
  scope?: 'graph' | 'all';
  /** Slow bodies: the body of every response in scope goes out in `chunkBytes` pieces, `chunkDelayMs` apart. */
  slowBody?: SlowBody | null;
}

export interface SlowBody {
  chunkBytes: number;
  chunkDelayMs: number;
}

export interface LatencySettings {
  distribution: LatencyDistribution;
  seed: number;
  scope: 'graph' | 'all';
  slowBody: SlowBody | null;
}

/** Keeps any one sample bounded, whatever the tail: a test should never wait a minute by accident. */
const MAX_DELAY_MS = 60_000;
/** z-score of the 99th percentile of the standard normal distribution. */
const Z_99 = 2.326_347_874;

/**
 * Seeded delays: the nth sample depends only on the seed and n, so the same seed and the same
 * request order give the same delays (concurrent requests take samples in arrival order).
 */
export class LatencyModel {
  private current: LatencySettings;
  private random: Random;

  /** `maxDelayMs` bounds every sample (change notifications allow Microsoft's 15 minutes). */
  constructor(
    options: LatencyOptions,
    defaultSeed: number,
    private readonly maxDelayMs = MAX_DELAY_MS,
  ) {
    this.current = { distribution: { kind: 'none' }, seed: defaultSeed, scope: 'graph', slowBody: null };
    this.random = createRandom(0);
    this.configure(options);
  }

  settings(): LatencySettings {
    return structuredClone(this.current);
  }

  /** Replaces the given settings and restarts the delay sequence from its seed. */
  configure(options: LatencyOptions): LatencySettings {
    const next: LatencySettings = {
      distribution: options.distribution ?? this.current.distribution,
      seed: options.seed ?? this.current.seed,
      scope: options.scope ?? this.current.scope,
      slowBody: options.slowBody === undefined ? this.current.slowBody : options.slowBody,
    };
    validate(next);
    this.current = next;
    this.random = createRandom(hashSeed(next.seed, 'latency'));
    return this.settings();
  }

  /** The slow-body setting, without copying all settings (asked on every request). */
  get slowBody(): SlowBody | null {
    return this.current.slowBody;
  }

  /** Whether requests to this path wait (graph: /v1.0 and /beta; all: identity as well). */
  appliesTo(isGraph: boolean): boolean {
    return this.current.scope === 'all' || isGraph;
  }

  /** The next delay in milliseconds. */
  sample(): number {
    const distribution = this.current.distribution;
    switch (distribution.kind) {
      case 'none':
        return 0;
      case 'fixed':
        return distribution.ms;
      case 'uniform':
        return distribution.minMs + this.random.next() * (distribution.maxMs - distribution.minMs);
      case 'logNormal': {
        const sigma = Math.log(distribution.p99Ms / distribution.medianMs) / Z_99;
        return Math.min(this.maxDelayMs, distribution.medianMs * Math.exp(sigma * standardNormal(this.random)));
      }
    }
  }
}

/** Box-Muller transform over the seeded generator. */
function standardNormal(random: Random): number {
  const u = 1 - random.next(); // (0, 1]: log(0) would be -Infinity
  const v = random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function validate(settings: LatencySettings): void {
  const d = settings.distribution;
  const nonNegative = (value: number, name: string) => {
    if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`${name} must be a finite number >= 0`);
  };
  if (d.kind === 'fixed') nonNegative(d.ms, 'ms');
  if (d.kind === 'uniform') {
    nonNegative(d.minMs, 'minMs');
    nonNegative(d.maxMs, 'maxMs');
    if (d.maxMs < d.minMs) throw new RangeError('maxMs must be >= minMs');
  }
  if (d.kind === 'logNormal') {
    if (!(d.medianMs > 0)) throw new RangeError('medianMs must be > 0');
    if (!(d.p99Ms >= d.medianMs)) throw new RangeError('p99Ms must be >= medianMs');
  }
  if (settings.slowBody) {
    if (!(Number.isInteger(settings.slowBody.chunkBytes) && settings.slowBody.chunkBytes >= 1)) throw new RangeError('chunkBytes must be an integer >= 1');
    nonNegative(settings.slowBody.chunkDelayMs, 'chunkDelayMs');
  }
}

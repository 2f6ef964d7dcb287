import type { DeltaPosition } from './deltaToken';

export type DeltaTokenVerdict = 'valid' | 'syncStateNotFound' | 'resyncRequired';

export const DEFAULT_DELTA_TOKEN_MAX_AGE_SECONDS = 7 * 24 * 3600;

/**
 * Decides whether an authentic delta token may still be used. Tokens are stateless, so
 * "expire all" and "reset" work by bumping a per-stream generation that new tokens carry:
 * any token minted under an older generation is refused.
 */
export class DeltaTokenLifecycle {
  private readonly expiryGenerations = new Map<string, number>();
  private readonly resetGenerations = new Map<string, number>();
  private readonly allStreams = '*';

  constructor(public maxAgeSeconds: number = DEFAULT_DELTA_TOKEN_MAX_AGE_SECONDS) {}

  /** Every outstanding token of `stream` (or of all streams) answers 400 syncStateNotFound. */
  expireAll(stream?: string): void {
    bump(this.expiryGenerations, stream ?? this.allStreams);
  }

  /** Every outstanding token of `stream` (or of all streams) answers 410 resyncRequired. */
  resetAll(stream?: string): void {
    bump(this.resetGenerations, stream ?? this.allStreams);
  }

  generationsFor(stream: string): { expiryGeneration: number; resetGeneration: number } {
    return {
      expiryGeneration: this.generation(this.expiryGenerations, stream),
      resetGeneration: this.generation(this.resetGenerations, stream),
    };
  }

  verdict(position: DeltaPosition, currentSeq: number, nowMs: number): DeltaTokenVerdict {
    const current = this.generationsFor(position.stream);
    if (position.resetGeneration < current.resetGeneration) return 'resyncRequired';
    if (position.expiryGeneration < current.expiryGeneration) return 'syncStateNotFound';
    // A position from the future: the token belongs to another incarnation of this tenant.
    if (position.fromSeq > currentSeq || position.toSeq > currentSeq) return 'syncStateNotFound';
    if (nowMs - position.issuedAt > this.maxAgeSeconds * 1000) return 'syncStateNotFound';
    return 'valid';
  }

  private generation(generations: Map<string, number>, stream: string): number {
    return (generations.get(this.allStreams) ?? 0) + (generations.get(stream) ?? 0);
  }
}

function bump(generations: Map<string, number>, key: string): void {
  generations.set(key, (generations.get(key) ?? 0) + 1);
}

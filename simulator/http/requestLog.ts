import type { FaultKind } from '../traffic/faults';

export interface RequestLogEntry {
  time: string;
  method: string;
  /** Path and query string as received. */
  path: string;
  status: number;
  durationMs: number;
  requestId: string;
  clientRequestId: string;
  /** Id and kind of the injected fault that answered or disturbed it, if any. */
  faultId?: string;
  faultKind?: FaultKind;
  /** Resource units charged (Graph requests). */
  resourceUnits?: number;
  /** Answered 429 by the throttle. */
  throttled?: boolean;
  /** The Retry-After header of the answer, as sent. */
  retryAfter?: string;
  /** Injected latency before the answer. */
  latencyMs?: number;
  /** The connection was cut instead of the response ending. */
  dropped?: boolean;
}

/** Recent requests, oldest first; bounded so a long-running simulator keeps flat memory. */
export class RequestLog {
  private items: RequestLogEntry[] = [];

  constructor(private readonly capacity = 10_000) {}

  record(entry: RequestLogEntry): void {
    this.items.push(entry);
    if (this.items.length > this.capacity) this.items.splice(0, this.items.length - this.capacity);
  }

  entries(): RequestLogEntry[] {
    return this.items.slice();
  }

  clear(): void {
    this.items = [];
  }
}

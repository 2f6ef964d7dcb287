export interface RequestLogEntry {
  time: string;
  method: string;
  /** Path and query string as received. */
  path: string;
  status: number;
  durationMs: number;
  requestId: string;
  clientRequestId: string;
  /** Id of the scripted fault that answered, if any. */
  faultId?: string;
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

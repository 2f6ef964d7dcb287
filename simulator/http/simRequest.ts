// Transport-independent request/response, so handlers can also serve in-process
// sub-requests later (JSON $batch) without a socket.

export interface SimRequest {
  method: string;
  url: URL;
  /** Lower-cased header names. */
  headers: Readonly<Record<string, string | undefined>>;
  body: string;
  /** Server-generated id, echoed in `request-id` and error bodies. */
  requestId: string;
  /** The client's `client-request-id`, or the request id when it sent none (as Graph does). */
  clientRequestId: string;
  receivedAt: Date;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  /** Serialised as JSON unless `text` is given. */
  json?: unknown;
  text?: string;
}

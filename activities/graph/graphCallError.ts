import type { AuthContext } from './graphErrors';

/** Which Graph call failed, for the failure an operator reads: app, tenant, permission, endpoint, resource. */
export type GraphCall = AuthContext & { endpoint: string; what: string };

/**
 * A Graph call's error as thrown, with the call it came from. Activities throw it raw; the
 * activity interceptor (workers/failureInterceptor.ts) maps it to the failure the run records.
 */
export class GraphCallError extends Error {
  constructor(
    override readonly cause: unknown,
    readonly call: GraphCall,
    /** Removes the connector's secret from any text shown. */
    readonly redact: (text: string) => string,
  ) {
    super(redact(cause instanceof Error ? cause.message : String(cause)));
    this.name = 'GraphCallError';
  }
}

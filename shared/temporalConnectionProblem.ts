import { TEMPORAL_SECURITY_VARIABLES as V, type TemporalSecurity } from './temporalSecurity';
import { checkTemporalTransport, TRANSIENT_TRANSPORT_PROBLEMS, type TransportProblemKind } from './temporalTransportCheck';

const GRPC_PERMISSION_DENIED = 7;
const GRPC_UNAUTHENTICATED = 16;

export type TemporalTarget = { address: string; namespace: string; security: TemporalSecurity };

export type ConnectionProblem = { kind: TransportProblemKind | 'unauthorized'; message: string; transient: boolean };

/**
 * Why connecting to (or the first call on) Temporal failed, as one line naming the fix: the
 * server refused our credentials, or a transport layer (DNS, TCP, TLS) failed. Undefined when
 * neither explains it. Never includes the API key or a private key.
 */
export async function explainTemporalConnectionFailure(err: unknown, target: TemporalTarget): Promise<ConnectionProblem | undefined> {
  const denied = grpcDenial(err);
  if (denied) return { kind: 'unauthorized', message: unauthorized(denied, target), transient: false };
  const problem = await checkTemporalTransport(target.address, target.security).catch(() => undefined);
  return problem && { ...problem, transient: TRANSIENT_TRANSPORT_PROBLEMS.has(problem.kind) };
}

// The workers' native connection reports the status in words only (tonic's descriptions of the codes).
const NATIVE_DENIALS: Array<[RegExp, number]> = [
  [/code: 'The request does not have valid authentication credentials'/, GRPC_UNAUTHENTICATED],
  [/code: 'The caller does not have permission to execute the specified operation'/, GRPC_PERMISSION_DENIED],
];

function grpcDenial(err: unknown): { code: number; details: string } | undefined {
  for (let e = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, details, message } = e as { code?: unknown; details?: unknown; message?: unknown };
    if (code === GRPC_UNAUTHENTICATED || code === GRPC_PERMISSION_DENIED) {
      return { code, details: typeof details === 'string' && details ? details : String(message) };
    }
    const text = typeof message === 'string' ? message : '';
    const native = NATIVE_DENIALS.find(([pattern]) => pattern.test(text));
    if (native) return { code: native[1], details: /message: "([^"]*)"/.exec(text)?.[1] ?? text };
  }
  return undefined;
}

function unauthorized({ code, details }: { code: number; details: string }, { address, namespace, security }: TemporalTarget): string {
  const said = `${code === GRPC_UNAUTHENTICATED ? 'UNAUTHENTICATED' : 'PERMISSION_DENIED'}: ${details}`;
  if (security.apiKey) {
    return `Temporal at ${address} refused the API key in ${V.apiKey} (${said}); it is wrong, expired, revoked or without access to namespace ${namespace}: create a new API key with access to it and set ${V.apiKey}`;
  }
  if (security.clientCert) {
    return `Temporal at ${address} did not authorize the client certificate in ${V.certPath} (${said}); use a certificate the server's authorizer admits to namespace ${namespace}, or set ${V.apiKey}`;
  }
  return `Temporal at ${address} requires credentials (${said}); set ${V.apiKey} (a Temporal Cloud API key), or a client certificate in ${V.certPath} and ${V.keyPath}`;
}

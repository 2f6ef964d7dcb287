import { lookup } from 'node:dns/promises';
import net from 'node:net';
import tls from 'node:tls';
import { splitTemporalAddress } from './temporalAddress';
import { TEMPORAL_SECURITY_VARIABLES as V, type TemporalSecurity } from './temporalSecurity';

export type TransportProblemKind = 'dns' | 'refused' | 'no-answer' | 'tls-untrusted' | 'tls-name' | 'not-tls' | 'requires-tls' | 'client-certificate';

export type TransportProblem = { kind: TransportProblemKind; message: string };

/**
 * Problems that may pass by themselves, so waiting for them makes sense: a server still starting
 * (or a port forward before its target listens) also accepts and closes without an answer.
 */
export const TRANSIENT_TRANSPORT_PROBLEMS: ReadonlySet<string> = new Set(['dns', 'refused', 'no-answer', 'requires-tls']);

/** What the server sent first, or how the exchange ended. */
type Exchange = { phase: 'connect' | 'handshake' | 'after-handshake'; error?: NodeJS.ErrnoException; firstBytes?: Buffer; timedOut?: boolean };

// The HTTP/2 client preface and an empty SETTINGS frame: any gRPC server answers with SETTINGS.
const H2_PREFACE = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]);
const H2_SETTINGS = 4;
const TLS_ALERT_RECORD = 0x15;
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);
const UNTRUSTED_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

/**
 * Reaches Temporal the way the SDK would, one layer at a time (DNS, TCP, TLS, the HTTP/2 preface
 * gRPC starts with), and says which layer failed and what fixes it. The SDK itself reports most
 * of these as "Failed to connect before the deadline". Undefined: the transport works.
 */
export async function checkTemporalTransport(address: string, security: TemporalSecurity, timeoutMs = 5_000): Promise<TransportProblem | undefined> {
  const { host, port } = splitTemporalAddress(address);
  if (!net.isIP(host)) {
    try {
      await lookup(host);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'lookup failed';
      if (DNS_CODES.has(code)) {
        return {
          kind: 'dns',
          message: `cannot reach Temporal at ${address} (host "${host}" not found: ${code}); check the host name in TEMPORAL_ADDRESS for typos, and that this machine's DNS knows it`,
        };
      }
      throw err;
    }
  }
  const exchange = await exchangePreface(host, port, security, timeoutMs);
  return explain(exchange, address, port, security);
}

function exchangePreface(host: string, port: number, security: TemporalSecurity, timeoutMs: number): Promise<Exchange> {
  return new Promise((resolve) => {
    let phase: Exchange['phase'] = 'connect';
    // SNI and the name checked: the override, else the host (never an IP: SNI carries names only).
    const servername = security.serverName ?? (net.isIP(host) ? undefined : host);
    const socket = security.tls
      ? tls.connect({
          host,
          port,
          ...(servername ? { servername } : {}),
          ...(security.serverCa ? { ca: security.serverCa } : {}),
          ...(security.clientCert ? { cert: security.clientCert.crt, key: security.clientCert.key } : {}),
          ALPNProtocols: ['h2'],
        })
      : net.connect({ host, port });
    const finish = (result: Omit<Exchange, 'phase'>) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ phase, ...result });
    };
    const timer = setTimeout(() => finish({ timedOut: true }), timeoutMs);
    socket.once('connect', () => (phase = security.tls ? 'handshake' : 'after-handshake'));
    socket.once(security.tls ? 'secureConnect' : 'connect', () => {
      phase = 'after-handshake';
      socket.write(H2_PREFACE);
    });
    socket.once('data', (firstBytes: Buffer) => finish({ firstBytes }));
    socket.once('error', (error: NodeJS.ErrnoException) => finish({ error }));
    socket.once('close', () => finish({}));
  });
}

function explain(x: Exchange, address: string, port: number, s: TemporalSecurity): TransportProblem | undefined {
  const code = x.error?.code ?? '';
  const reason = x.error ? errorReason(x.error) : '';
  if (x.phase === 'connect') {
    if (code === 'ECONNREFUSED') {
      return {
        kind: 'refused',
        message: `cannot reach Temporal at ${address} (connection refused: nothing listens on port ${port}); start it (npm start runs a dev server), or set TEMPORAL_ADDRESS to your Temporal frontend`,
      };
    }
    return { kind: 'no-answer', message: `cannot reach Temporal at ${address} (${x.timedOut ? 'no answer' : reason}); check TEMPORAL_ADDRESS, the firewall and the network path` };
  }
  if (x.phase === 'handshake') {
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      return {
        kind: 'tls-name',
        message: `TLS handshake with Temporal at ${address} failed: its certificate is not valid for the name checked (${reason}); set ${V.serverName} to a name the certificate carries, or use that name in TEMPORAL_ADDRESS`,
      };
    }
    if (UNTRUSTED_CODES.has(code)) {
      const fix = s.serverCa
        ? `the CA in ${V.caPath} (or ${V.caData}) did not issue it: point it at the CA certificate that issued the server's certificate`
        : `set ${V.caPath} (or ${V.caData}) to the CA certificate that issued the server's certificate`;
      return { kind: 'tls-untrusted', message: `TLS handshake with Temporal at ${address} failed: the server's certificate is not trusted (${reason}); ${fix}` };
    }
    if (/wrong version number|packet length too long|unknown protocol|http request/i.test(reason)) {
      return {
        kind: 'not-tls',
        message: `Temporal at ${address} does not speak TLS (${reason}); point TEMPORAL_ADDRESS at its TLS endpoint, or turn TLS off (TEMPORAL_TLS=false and no TEMPORAL_TLS_* settings) for a plaintext frontend`,
      };
    }
    if (/alert|certificate/i.test(reason)) return clientCertificateProblem(address, reason, s);
    const what = reason || (x.timedOut ? 'no answer to the TLS handshake' : 'the server closed the connection');
    return { kind: 'no-answer', message: `TLS handshake with Temporal at ${address} failed (${what}); check TEMPORAL_ADDRESS and the TEMPORAL_TLS_* settings` };
  }
  // After the handshake (or the TCP connect, without TLS): a gRPC server answers the preface with SETTINGS.
  if (x.firstBytes && x.firstBytes.length >= 4 && x.firstBytes[3] === H2_SETTINGS) return undefined;
  if (!s.tls) {
    const sawTls = x.firstBytes?.[0] === TLS_ALERT_RECORD;
    return {
      kind: 'requires-tls',
      message: `Temporal at ${address} did not answer plaintext gRPC (${sawTls ? 'it answered with a TLS alert' : x.timedOut ? 'no answer' : reason || 'it closed the connection'}); it probably requires TLS: set TEMPORAL_TLS=true, with ${V.caPath} for a private CA and ${V.certPath} / ${V.keyPath} when it wants client certificates`,
    };
  }
  // TLS 1.3 servers check the client's certificate after the client finished its handshake.
  if (x.error || (!x.firstBytes && !x.timedOut)) return clientCertificateProblem(address, reason || 'the server closed the connection after the TLS handshake', s);
  return undefined;
}

function clientCertificateProblem(address: string, reason: string, s: TemporalSecurity): TransportProblem {
  const message = s.clientCert
    ? `Temporal at ${address} refused this client certificate (${reason}); use a certificate (and its key) issued by the CA the server trusts for clients, in ${V.certPath} and ${V.keyPath}`
    : `Temporal at ${address} requires a client certificate (mutual TLS) and refused the connection without one (${reason}); set ${V.certPath} and ${V.keyPath} (or ${V.certData} and ${V.keyData})`;
  return { kind: 'client-certificate', message };
}

/** An error's code and words, without OpenSSL's file and line noise. */
function errorReason(error: NodeJS.ErrnoException): string {
  const openssl = /SSL routines:[^:]*:([^:]+):/.exec(error.message)?.[1];
  const words = openssl ?? error.message.split('\n')[0]!;
  return error.code ? `${error.code}: ${words}` : words;
}

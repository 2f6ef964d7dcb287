import { readFileSync } from 'node:fs';

/**
 * How entra-sync secures its connection to Temporal, read from the variables the Temporal CLI and
 * the SDKs' environment configuration use (`temporal options` lists them), so one set of variables
 * serves `temporal`, the workers and the `entra-sync` CLI alike.
 */
export type TemporalSecurity = {
  /** TLS on: a CA, a client certificate, an API key or TEMPORAL_TLS=true turned it on. */
  tls: boolean;
  /** PEM of the CA that issued the server's certificate; absent = the system's trusted roots. */
  serverCa?: Buffer;
  /** Where the CA and the client certificate came from (a file's path or a variable's name), for messages. */
  sources?: { serverCa?: string; clientCert?: string };
  /** The name the server's certificate must carry, when it differs from TEMPORAL_ADDRESS's host. */
  serverName?: string;
  /** PEM certificate and key for mutual TLS. */
  clientCert?: { crt: Buffer; key: Buffer };
  /** Sent as `Authorization: Bearer <key>` (Temporal Cloud). Never logged, never in errors. */
  apiKey?: string;
};

export const TEMPORAL_SECURITY_VARIABLES = {
  tls: 'TEMPORAL_TLS',
  apiKey: 'TEMPORAL_API_KEY',
  caPath: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  caData: 'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
  certPath: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  certData: 'TEMPORAL_TLS_CLIENT_CERT_DATA',
  keyPath: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  keyData: 'TEMPORAL_TLS_CLIENT_KEY_DATA',
  serverName: 'TEMPORAL_TLS_SERVER_NAME',
  disableHostVerification: 'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION',
} as const;

const V = TEMPORAL_SECURITY_VARIABLES;
type Pem = 'certificate' | 'key';

/**
 * Reads the TLS and API-key settings; every problem is added to `problems` (one line each, naming
 * the variable and never echoing a key or certificate).
 */
export function readTemporalSecurity(env: NodeJS.ProcessEnv, problems: string[]): TemporalSecurity {
  const text = (name: string) => env[name]?.trim() || undefined;
  const before = problems.length;
  const ca = pemFrom(env, V.caPath, V.caData, 'certificate', problems);
  const cert = pemFrom(env, V.certPath, V.certData, 'certificate', problems);
  const serverCa = ca?.pem;
  const crt = cert?.pem;
  const key = pemFrom(env, V.keyPath, V.keyData, 'key', problems)?.pem;
  const serverName = text(V.serverName);
  const apiKey = text(V.apiKey);

  if ((crt === undefined) !== (key === undefined) && problems.length === before) {
    problems.push(
      crt
        ? `${V.certPath} (or ${V.certData}) is set without ${V.keyPath} (or ${V.keyData}): mutual TLS needs the client certificate and its private key`
        : `${V.keyPath} (or ${V.keyData}) is set without ${V.certPath} (or ${V.certData}): mutual TLS needs the client certificate and its private key`,
    );
  }
  if (flag(env, V.disableHostVerification, problems)) {
    problems.push(
      `${V.disableHostVerification}=true is not supported: the Temporal TypeScript SDK always verifies the server's name; set ${V.serverName} to the name its certificate carries instead`,
    );
  }
  const tlsOptionsGiven = Boolean(serverCa || crt || key || serverName);
  const explicit = flag(env, V.tls, problems);
  if (explicit === false && tlsOptionsGiven) {
    problems.push(`${V.tls}=false contradicts the TEMPORAL_TLS_* certificate settings that are set; remove one or the other`);
  }
  // An API key implies TLS (as in Temporal's own tooling); TEMPORAL_TLS=false opts out, e.g. behind a local TLS sidecar.
  const tls = explicit ?? (tlsOptionsGiven || apiKey !== undefined);
  const sources = { ...(ca ? { serverCa: ca.source } : {}), ...(cert && key ? { clientCert: cert.source } : {}) };
  return {
    tls,
    ...(serverCa ? { serverCa } : {}),
    ...(Object.keys(sources).length ? { sources } : {}),
    ...(serverName ? { serverName } : {}),
    ...(crt && key ? { clientCert: { crt, key } } : {}),
    ...(apiKey ? { apiKey } : {}),
  };
}

/** What the connection uses, for logs and messages: never a key, a token or a certificate. */
export function describeTemporalSecurity(s: TemporalSecurity): string {
  if (!s.tls) return s.apiKey ? 'plaintext with an API key' : 'plaintext';
  const parts = s.clientCert ? ['mutual TLS', `client certificate from ${s.sources?.clientCert ?? V.certData}`] : ['TLS'];
  parts.push(s.serverCa ? `CA from ${s.sources?.serverCa ?? V.caData}` : 'system CAs');
  if (s.serverName) parts.push(`server name ${s.serverName}`);
  if (s.apiKey) parts.push('API key');
  return parts.join(', ');
}

function flag(env: NodeJS.ProcessEnv, name: string, problems: string[]): boolean | undefined {
  const value = env[name]?.trim().toLowerCase();
  if (!value) return undefined;
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  problems.push(`${name}="${env[name]}" is not a boolean; use true or false`);
  return undefined;
}

/** A PEM from a file (…_PATH) or inline (…_DATA, where `\n` may stand for newlines, as in env files). */
function pemFrom(env: NodeJS.ProcessEnv, pathVar: string, dataVar: string, kind: Pem, problems: string[]): { pem: Buffer; source: string } | undefined {
  const file = env[pathVar]?.trim() || undefined;
  const data = env[dataVar]?.trim() || undefined;
  if (file && data) {
    problems.push(`${pathVar} and ${dataVar} are both set; set one: the file's path, or the PEM itself`);
    return undefined;
  }
  let pem: string;
  let source: string;
  if (file) {
    source = file;
    try {
      pem = readFileSync(file, 'utf8');
    } catch (err) {
      problems.push(`${pathVar}="${file}" cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); point it at a readable PEM file`);
      return undefined;
    }
  } else if (data) {
    source = dataVar;
    pem = data.replace(/\\n/g, '\n');
  } else {
    return undefined;
  }
  const marker = kind === 'certificate' ? /-----BEGIN CERTIFICATE-----/ : /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
  if (!marker.test(pem)) {
    const form = kind === 'certificate' ? '-----BEGIN CERTIFICATE-----' : '-----BEGIN PRIVATE KEY----- (or RSA/EC PRIVATE KEY)';
    problems.push(`${file ? `${pathVar}="${file}"` : dataVar} is not a PEM ${kind}; expected a block starting with ${form}`);
    return undefined;
  }
  return { pem: Buffer.from(pem), source };
}

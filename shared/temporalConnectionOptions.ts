import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import type { TemporalSecurity } from './temporalSecurity';

/** The options NativeConnection (workers) and Connection (CLI, launcher, schedules) share. */
export type TemporalConnectionOptions = { address: string; tls?: TLSConfig | boolean; apiKey?: string };

/**
 * The one place that turns the configured security into the SDK's connection options, so
 * workers and clients always connect the same way.
 */
export function temporalConnectionOptions(address: string, security: TemporalSecurity): TemporalConnectionOptions {
  // tls: false is explicit: the SDK would otherwise turn TLS on by itself for an API key.
  const options: TemporalConnectionOptions = { address, tls: false };
  if (security.tls) {
    const tls: TLSConfig = {};
    if (security.serverCa) tls.serverRootCACertificate = security.serverCa;
    if (security.serverName) tls.serverNameOverride = security.serverName;
    if (security.clientCert) tls.clientCertPair = { crt: security.clientCert.crt, key: security.clientCert.key };
    options.tls = Object.keys(tls).length ? tls : true;
  }
  if (security.apiKey) options.apiKey = security.apiKey;
  return options;
}

import { loadSealedSecret, openConnectorSecret } from '../../activities/secrets/connectorSecrets';
import { SecretCipherError } from '../../activities/secrets/secretCipher';
import { ENV_CONNECTOR_ID } from '../../shared/envConnector';
import { EnvironmentSecretStore } from '../../activities/secrets/environmentSecretStore';
import { CREDENTIAL_LABELS } from '../../activities/graph/credentials/credentialKinds';
import { unsealCertificate, type CredentialMaterial } from '../../activities/graph/credentials/credentialMaterial';
import { CliError } from './cliErrors';
import { requireRecord } from './connectorLookup';
import type { ConnectorRecord } from './connectorRecords';
import type { CliContext } from './context';
import { note, out, printJson, table } from './output';
import { testConnection, type ConnectionTest } from './permissionProbes';

/** `connector test`: a token with the stored secret, then every permission a run needs. */
export async function testConnector(ctx: CliContext, rawId: string, o: { json?: boolean }): Promise<number> {
  const c = await requireRecord(ctx, rawId);
  const material = await loadMaterial(ctx, c);
  const credential = { kind: material.kind, label: CREDENTIAL_LABELS[material.kind], ...(material.kind === 'workloadIdentity' ? { federatedTokenFile: material.tokenFile } : {}) };
  const result = await testConnection(c, material);
  if (o.json) {
    printJson({ connectorId: c.id, credential, ...result });
    return result.ok ? 0 : 1;
  }
  out(`credential  ${credential.label}${material.kind === 'workloadIdentity' ? ` (${material.tokenFile})` : ''}`);
  printTest(c, result);
  return result.ok ? 0 : 1;
}

/** The connector's credential as a worker would build it; the secret material only in memory. */
async function loadMaterial(ctx: CliContext, c: ConnectorRecord): Promise<CredentialMaterial> {
  if (c.credentialKind === 'workloadIdentity') {
    if (!c.federatedTokenFile) throw new CliError(`connector ${c.id} has no federated token file; set one with: entra-sync connector update ${c.id} --federated-token-file <path>`);
    return { kind: 'workloadIdentity', tokenFile: c.federatedTokenFile };
  }
  if (c.credentialKind === 'managedIdentity' || c.credentialKind === 'systemAssignedIdentity') return { kind: c.credentialKind };
  const db = await ctx.db();
  const sealed = await loadSealedSecret(db, c.id);
  let opened: string | undefined;
  if (sealed) {
    try {
      opened = openConnectorSecret(ctx.keys(), c.id, sealed);
    } catch (err) {
      if (err instanceof SecretCipherError) throw new CliError(`the ${CREDENTIAL_LABELS[c.credentialKind]} of connector ${c.id} ${err.message}`);
      throw err;
    }
  } else if (c.id === ENV_CONNECTOR_ID && ctx.config.entra) {
    opened = await new EnvironmentSecretStore(ENV_CONNECTOR_ID, ctx.config.entra.credential).clientSecret(ENV_CONNECTOR_ID).catch((err: Error) => {
      throw new CliError(err.message);
    });
  }
  const option = c.credentialKind === 'certificate' ? '--certificate <file>' : '--secret';
  if (!opened) throw new CliError(`connector ${c.id} has no ${CREDENTIAL_LABELS[c.credentialKind]}; store one with: entra-sync connector update ${c.id} ${option}`);
  return c.credentialKind === 'certificate' ? { kind: 'certificate', certificate: unsealCertificate(opened) } : { kind: 'clientSecret', secret: opened };
}

/** The CLI's way to apply the fix the AADSTS message names (it speaks of ENTRA_* variables). */
const FIXES: Record<string, string> = {
  InvalidClientSecret: '--secret',
  CertificateNotRegistered: '--certificate <the certificate registered on the app>',
  ExpiredCertificate: '--certificate <a new certificate, registered on the app>',
  UnreadableCertificate: '--certificate <PEM with its private key, or PFX>',
  FederatedTokenUnavailable: '--federated-token-file <path>',
  ExpiredClientSecret: '--secret',
  UnknownTenant: '--tenant-id <Directory (tenant) ID>',
  MalformedTenant: '--tenant-id <Directory (tenant) ID>',
  UnknownApplication: '--client-id <Application (client) ID>',
};

function printTest(c: ConnectorRecord, result: ConnectionTest): void {
  if (!result.token.ok) {
    out(`token    FAILED  ${result.token.kind}: ${result.token.message}`);
    const fix = FIXES[result.token.kind];
    if (fix && c.id !== ENV_CONNECTOR_ID) note(`for this connector: entra-sync connector update ${c.id} ${fix}`);
    return;
  }
  out(`token    ok (tenant ${c.tenantId}, app ${c.clientId})`);
  out(table(result.permissions.map((p) => [p.status === 'granted' ? 'granted' : p.status.toUpperCase(), p.permission, p.endpoint])));
  for (const p of result.permissions.filter((r) => r.status !== 'granted')) out(`\n${p.permission} (${p.endpoint}): ${p.detail}`);
  const missing = [...new Set(result.permissions.filter((p) => p.status === 'missing').map((p) => p.permission))];
  out(missing.length ? `\nmissing: ${missing.join(', ')}` : result.ok ? '\nall permissions granted' : '');
}

import { loadSealedSecret, openConnectorSecret } from '../../activities/secrets/connectorSecrets';
import { SecretCipherError } from '../../activities/secrets/secretCipher';
import { ENV_CONNECTOR_ID } from '../../shared/envConnector';
import { CliError } from './cliErrors';
import { requireRecord } from './connectorLookup';
import type { ConnectorRecord } from './connectorRecords';
import type { CliContext } from './context';
import { note, out, printJson, table } from './output';
import { testConnection, type ConnectionTest } from './permissionProbes';

/** `connector test`: a token with the stored secret, then every permission a run needs. */
export async function testConnector(ctx: CliContext, rawId: string, o: { json?: boolean }): Promise<number> {
  const c = await requireRecord(ctx, rawId);
  const db = await ctx.db();
  const sealed = await loadSealedSecret(db, c.id);
  let secret: string | undefined;
  if (sealed) {
    try {
      secret = openConnectorSecret(ctx.keys(), c.id, sealed);
    } catch (err) {
      if (err instanceof SecretCipherError) throw new CliError(`the client secret of connector ${c.id} ${err.message}`);
      throw err;
    }
  } else if (c.id === ENV_CONNECTOR_ID && ctx.config.entra) {
    secret = ctx.config.entra.clientSecret;
  }
  if (!secret) throw new CliError(`connector ${c.id} has no client secret; store one with: entra-sync connector update ${c.id} --secret`);

  const result = await testConnection({ ...c, clientSecret: secret });
  if (o.json) {
    printJson({ connectorId: c.id, ...result });
    return result.ok ? 0 : 1;
  }
  printTest(c, result);
  return result.ok ? 0 : 1;
}

/** The CLI's way to apply the fix the AADSTS message names (it speaks of ENTRA_* variables). */
const FIXES: Record<string, string> = {
  InvalidClientSecret: '--secret',
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

import { CliError } from './cliErrors';
import { findConnectorRecord, type ConnectorRecord } from './connectorRecords';
import type { CliContext } from './context';
import * as valid from './validation';

export async function requireRecord(ctx: CliContext, rawId: string): Promise<ConnectorRecord> {
  const id = valid.connectorId(rawId);
  const record = await findConnectorRecord(await ctx.db(), id);
  if (!record) throw notFound(id);
  return record;
}

export function notFound(id: string): CliError {
  return new CliError(`no connector ${id}; see entra-sync connector list`);
}

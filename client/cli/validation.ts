import { DURATION_FORM, parseDuration } from '../../shared/duration';
import { CliError } from './cliErrors';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const CONNECTOR_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Connector ids become part of workflow and schedule ids: keep them short and plain. */
export function connectorId(value: string): string {
  if (!CONNECTOR_ID.test(value)) {
    throw new CliError(`"${value}" is not a valid connector id; use 1 to 63 lowercase letters, digits and dashes, starting with a letter or digit (e.g. contoso-prod)`);
  }
  return value;
}

export function tenantId(value: string): string {
  const v = value.trim();
  if (!GUID.test(v) && !DOMAIN.test(v)) {
    throw new CliError(`--tenant-id "${value}" is neither a tenant GUID nor a verified domain name; use the Directory (tenant) ID from the app registration's overview page`);
  }
  return v;
}

export function clientId(value: string): string {
  const v = value.trim();
  if (!GUID.test(v)) throw new CliError(`--client-id "${value}" is not a GUID; use the Application (client) ID from the app registration's overview page`);
  return v.toLowerCase();
}

export function httpsUrl(option: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new CliError(`${option} "${value}" is not a URL`);
  }
  if (url.protocol !== 'https:') throw new CliError(`${option} "${value}" must use https: Microsoft's auth and Graph libraries refuse plain http`);
  return value.trim().replace(/\/+$/, '');
}

/** `15m`, `1h30m`, ... in seconds; `default` (null) hands the connector back to the variable's default. */
export function intervalSeconds(value: string, option = '--interval', variable = 'SYNC_ENTRA_INTERVAL'): number | null {
  if (value.trim().toLowerCase() === 'default') return null;
  const ms = parseDuration(value);
  if (ms === undefined || ms % 1000 !== 0) throw new CliError(`${option} "${value}" is not a duration; use ${DURATION_FORM}, or "default" for ${variable}`);
  return ms / 1000;
}

/** on / off (also true / false, yes / no). */
export function onOff(option: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (['on', 'true', 'yes'].includes(v)) return true;
  if (['off', 'false', 'no'].includes(v)) return false;
  throw new CliError(`${option} "${value}" must be on or off`);
}

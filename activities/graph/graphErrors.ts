import { ApplicationFailure } from '@temporalio/common';
import { GraphError } from '@microsoft/microsoft-graph-client';
import { FailureKind } from '../../shared/failureKinds';

export type AuthContext = { tenantId: string; clientId: string; permission: string };

type AadstsRule = { kind: FailureKind; explain: (c: AuthContext) => string };

const AADSTS_RULES: Record<string, AadstsRule> = {
  '7000215': {
    kind: FailureKind.InvalidClientSecret,
    explain: (c) =>
      `Microsoft Entra rejected the client secret of app ${c.clientId} (AADSTS7000215: invalid client secret). ` +
      `Create a new client secret under App registrations > ${c.clientId} > Certificates & secrets and set ENTRA_CLIENT_SECRET to its Value (not its Secret ID).`,
  },
  '7000222': {
    kind: FailureKind.ExpiredClientSecret,
    explain: (c) =>
      `The client secret of app ${c.clientId} has expired (AADSTS7000222). ` +
      `Create a new client secret under App registrations > ${c.clientId} > Certificates & secrets and set ENTRA_CLIENT_SECRET to its Value.`,
  },
  '700016': {
    kind: FailureKind.UnknownApplication,
    explain: (c) =>
      `No application with client id ${c.clientId} exists in tenant ${c.tenantId} (AADSTS700016). ` +
      `Check ENTRA_CLIENT_ID (the app registration's Application (client) ID) and that the app is registered in, or consented to by, this tenant.`,
  },
  '90002': {
    kind: FailureKind.UnknownTenant,
    explain: (c) =>
      `Tenant ${c.tenantId} was not found (AADSTS90002). Check ENTRA_TENANT_ID: use the Directory (tenant) ID from the app registration's overview page.`,
  },
  '900023': {
    kind: FailureKind.MalformedTenant,
    explain: (c) =>
      `"${c.tenantId}" is not a valid tenant identifier (AADSTS900023). Set ENTRA_TENANT_ID to the tenant's GUID or its verified domain name.`,
  },
};

/** Maps a token-acquisition failure from @azure/identity to a non-retryable, actionable failure. */
export function authenticationFailure(err: unknown, context: AuthContext): ApplicationFailure {
  const response = (err as { errorResponse?: { errorCodes?: number[]; errorDescription?: string } }).errorResponse;
  const text = `${response?.errorDescription ?? ''} ${(err as Error)?.message ?? ''}`;
  const code = response?.errorCodes?.map(String).find((c) => c in AADSTS_RULES) ?? /AADSTS(\d+)/.exec(text)?.[1];
  const rule = code ? AADSTS_RULES[code] : undefined;
  if (rule) return ApplicationFailure.create({ type: rule.kind, message: rule.explain(context), nonRetryable: true });
  // Anything else (authority unreachable, TLS, 5xx from the token endpoint) may pass: retry.
  return ApplicationFailure.create({
    type: FailureKind.AuthenticationFailed,
    message: `Could not get a token for app ${context.clientId} in tenant ${context.tenantId}: ${firstLine(text.trim())}`,
  });
}

export function isGraphError(err: unknown): err is GraphError {
  return err instanceof GraphError || (typeof err === 'object' && err !== null && 'statusCode' in err && 'code' in err);
}

/**
 * Retry-After of a response (fetch Headers) or a $batch sub-response (a plain record): seconds,
 * possibly fractional, or an HTTP date; undefined when absent or unreadable.
 */
export function retryAfterMs(headers: Headers | Record<string, string> | undefined, now = Date.now()): number | undefined {
  const value =
    headers instanceof Headers ? headers.get('retry-after') : Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'retry-after')?.[1];
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Maps a Graph error that retrying inside the activity did not cure to an ApplicationFailure. */
export function graphFailure(err: GraphError, context: AuthContext & { endpoint: string }, what: string): ApplicationFailure {
  const status = err.statusCode;
  const detail = `${what}: HTTP ${status} ${err.code ?? ''} ${firstLine(err.message ?? '')}`.trim();
  if (status === 403) {
    return ApplicationFailure.create({
      type: FailureKind.MissingPermission,
      nonRetryable: true,
      message:
        `App ${context.clientId} lacks the Microsoft Graph application permission ${context.permission} (${detail}). ` +
        `In the Entra admin center open App registrations > ${context.clientId} > API permissions, add Microsoft Graph > Application permissions > ${context.permission}, then select "Grant admin consent".`,
    });
  }
  if (status === 429) {
    return ApplicationFailure.create({
      type: FailureKind.GraphThrottled,
      message: `Microsoft Graph kept throttling ${detail}`,
      nextRetryDelay: retryAfterMs(err.headers) ?? undefined,
    });
  }
  if (status <= 0) {
    return ApplicationFailure.create({
      type: FailureKind.GraphUnavailable,
      message: `could not reach Microsoft Graph at ${context.endpoint} for ${what} (${err.message}); check ENTRA_GRAPH_BASE_URL, DNS, proxies and the firewall`,
    });
  }
  if (status >= 500) {
    return ApplicationFailure.create({ type: FailureKind.GraphUnavailable, message: `Microsoft Graph unavailable for ${detail}` });
  }
  if (status === 401) {
    // A token Graph refuses right after issuing it is usually clock skew or a revoked grant: retry.
    return ApplicationFailure.create({ type: FailureKind.AuthenticationFailed, message: `Microsoft Graph refused the token for ${detail}` });
  }
  return ApplicationFailure.create({ type: FailureKind.GraphRequestRejected, nonRetryable: true, message: `Microsoft Graph rejected ${detail}` });
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0] ?? '';
}

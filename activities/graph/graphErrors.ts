import { ApplicationFailure } from '@temporalio/common';
import { GraphError } from '@microsoft/microsoft-graph-client';
import { FailureKind } from '../../shared/failureKinds';

export type AuthContext = { tenantId: string; clientId: string; permission: string; credentialKind?: string };

type AadstsRule = { kind: FailureKind; explain: (c: AuthContext) => string };

const certificateFix = (c: AuthContext) =>
  `upload the certificate's public part under App registrations > ${c.clientId} > Certificates & secrets > Certificates, or give the connector the certificate registered there (entra-sync connector update <id> --certificate <file>, or AZURE_CLIENT_CERTIFICATE_PATH)`;

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
      `Rotate it: create a new client secret under App registrations > ${c.clientId} > Certificates & secrets, then store its Value with ` +
      `entra-sync connector update <id> --secret (or set ENTRA_CLIENT_SECRET); see docs/operations.md, "Rotating the client secret of a connector".`,
  },
  '700027': {
    kind: FailureKind.CertificateNotRegistered,
    explain: (c) => `Microsoft Entra rejected the client assertion of app ${c.clientId}: its certificate is not registered on the app or the signature does not verify (AADSTS700027). Fix: ${certificateFix(c)}.`,
  },
  '700021': {
    kind: FailureKind.ClientAssertionRejected,
    explain: (c) => `The client assertion's issuer and subject are not the client id ${c.clientId} (AADSTS700021). Check ENTRA_CLIENT_ID, or --client-id of the connector: it must be the app registration's Application (client) ID.`,
  },
  '700023': {
    kind: FailureKind.ClientAssertionRejected,
    explain: (c) => `The client assertion's audience is not the token endpoint of tenant ${c.tenantId} (AADSTS700023). Check ENTRA_AUTHORITY_HOST / --authority-host (or --cloud): the assertion is addressed to the authority it is sent to.`,
  },
  '700024': {
    kind: FailureKind.ClientAssertionRejected,
    explain: (c) =>
      c.credentialKind === 'workloadIdentity'
        ? `The federated token of app ${c.clientId} is expired or not yet valid (AADSTS700024). The token file must be refreshed by its issuer (on Kubernetes, the projected service account token); check that it is, and the worker's clock.`
        : `The client assertion of app ${c.clientId} is not within its valid time range (AADSTS700024). Check the worker's clock (NTP).`,
  },
  '70021': {
    kind: FailureKind.FederatedCredentialMismatch,
    explain: (c) =>
      `No federated credential of app ${c.clientId} matches the federated token's issuer, subject and audience (AADSTS70021). ` +
      `Under App registrations > ${c.clientId} > Certificates & secrets > Federated credentials, add one with the token's issuer and subject and the audience api://AzureADTokenExchange (on Kubernetes the subject is system:serviceaccount:<namespace>:<service account>).`,
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
export function authenticationFailure(err: unknown, context: AuthContext, redact: (text: string) => string = (t) => t): ApplicationFailure {
  const response = (err as { errorResponse?: { errorCodes?: number[]; errorDescription?: string } }).errorResponse;
  const text = `${response?.errorDescription ?? ''} ${(err as Error)?.message ?? ''}`;
  const code = response?.errorCodes?.map(String).find((c) => c in AADSTS_RULES) ?? /AADSTS(\d+)/.exec(text)?.[1];
  const local = localCredentialFailure(err, text, context);
  if (local) return redacted(local, redact);
  if (code === '700027' && /expired/i.test(text)) {
    return redacted(
      ApplicationFailure.create({
        type: FailureKind.ExpiredCertificate,
        nonRetryable: true,
        message: `The certificate of app ${context.clientId} has expired (AADSTS700027). Create a new certificate, ${certificateFix(context)}.`,
      }),
      redact,
    );
  }
  const rule = code ? AADSTS_RULES[code] : undefined;
  if (rule) return redacted(ApplicationFailure.create({ type: rule.kind, message: rule.explain(context), nonRetryable: true }), redact);
  // Anything else (authority unreachable, TLS, 5xx from the token endpoint) may pass: retry.
  return redacted(
    ApplicationFailure.create({
      type: FailureKind.AuthenticationFailed,
      message: `Could not get a token for app ${context.clientId} in tenant ${context.tenantId}: ${firstLine(text.trim())}`,
    }),
    redact,
  );
}

function redacted(failure: ApplicationFailure, redact: (text: string) => string): ApplicationFailure {
  failure.message = redact(failure.message);
  return failure;
}

const CERTIFICATE_READ = /PEM-encoded certificate|certificate file|the PFX file|bad decrypt|passphrase|DECODER routines|PRIVATE KEY|unsupported key/i;

/** Failures found before any token request: an unreadable certificate or token file, no managed identity. */
function localCredentialFailure(err: unknown, text: string, context: AuthContext): ApplicationFailure | undefined {
  const name = (err as Error)?.name ?? '';
  if (context.credentialKind === 'workloadIdentity' && /federated token file/.test(text)) {
    return ApplicationFailure.create({
      type: FailureKind.FederatedTokenUnavailable,
      nonRetryable: true,
      message: `${firstLine(text.trim())}; mount the federated token where AZURE_FEDERATED_TOKEN_FILE (or the connector's --federated-token-file) points, readable by the worker (on Kubernetes: the azure-workload-identity webhook's projected token)`,
    });
  }
  // Only what reading the certificate itself says: a TLS error about the authority's certificate is a network problem.
  if (context.credentialKind === 'certificate' && CERTIFICATE_READ.test(text) && !/AADSTS|self.signed|verify the first certificate|CERT_|certificate has expired/i.test(text)) {
    return ApplicationFailure.create({
      type: FailureKind.UnreadableCertificate,
      nonRetryable: true,
      message: `the certificate of app ${context.clientId} cannot be used: ${firstLine(text.trim())}; give a PEM file with the certificate and its private key, or a PFX file and its password (entra-sync connector update <id> --certificate <file>, or AZURE_CLIENT_CERTIFICATE_PATH and AZURE_CLIENT_CERTIFICATE_PASSWORD)`,
    });
  }
  const managed = context.credentialKind === 'managedIdentity' || context.credentialKind === 'systemAssignedIdentity';
  if (managed && (name === 'CredentialUnavailableError' || /managed identity|IMDS|ManagedIdentity/i.test(text)) && !/AADSTS/.test(text)) {
    const which =
      context.credentialKind === 'managedIdentity'
        ? `no managed identity is available to this worker for client id ${context.clientId} (${firstLine(text.trim())}); run the worker on an Azure host with that user-assigned identity attached`
        : `no system-assigned managed identity is available to this worker (${firstLine(text.trim())}); turn on the system-assigned identity of the Azure host the worker runs on (VM, App Service, container app) and grant its service principal the Graph permissions`;
    return ApplicationFailure.create({
      type: FailureKind.ManagedIdentityUnavailable,
      nonRetryable: true,
      message: `${which}, or choose another credential (entra-sync connector update <id> --credential clientSecret|certificate|workloadIdentity)`,
    });
  }
  return undefined;
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

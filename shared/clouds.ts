/**
 * Microsoft's national cloud deployments: the identity platform (authority host) and Microsoft
 * Graph endpoint of each, as Microsoft's "national cloud deployments" table lists them. A cloud
 * picks the pair; an explicit --authority-host / --graph-base-url (or ENTRA_AUTHORITY_HOST /
 * ENTRA_GRAPH_BASE_URL) still wins.
 */
export const CLOUDS = {
  AzurePublicCloud: { authorityHost: 'https://login.microsoftonline.com', graphBaseUrl: 'https://graph.microsoft.com/v1.0' },
  // Microsoft Graph for US Government L4 (GCC High).
  AzureUSGovernment: { authorityHost: 'https://login.microsoftonline.us', graphBaseUrl: 'https://graph.microsoft.us/v1.0' },
  // Microsoft Graph for US Government L5 (DoD): same sign-in host, its own Graph endpoint.
  AzureUSGovernmentDoD: { authorityHost: 'https://login.microsoftonline.us', graphBaseUrl: 'https://dod-graph.microsoft.us/v1.0' },
  // Operated by 21Vianet.
  AzureChinaCloud: { authorityHost: 'https://login.chinacloudapi.cn', graphBaseUrl: 'https://microsoftgraph.chinacloudapi.cn/v1.0' },
} as const;

export type CloudName = keyof typeof CLOUDS;
export type CloudEndpoints = { authorityHost: string; graphBaseUrl: string };

export const CLOUD_NAMES = Object.keys(CLOUDS) as CloudName[];

/** The cloud's name as given, any casing; undefined when it is none of them. */
export function cloudNamed(name: string): CloudName | undefined {
  return CLOUD_NAMES.find((c) => c.toLowerCase() === name.trim().toLowerCase());
}

/** The endpoints to use: an explicit override wins over the cloud's, the cloud's over the public cloud's. */
export function resolveEndpoints(cloud: CloudName | undefined, overrides: Partial<CloudEndpoints>): CloudEndpoints {
  const base = CLOUDS[cloud ?? 'AzurePublicCloud'];
  return { authorityHost: overrides.authorityHost ?? base.authorityHost, graphBaseUrl: overrides.graphBaseUrl ?? base.graphBaseUrl };
}

const origin = (url: string) => new URL(url).origin.toLowerCase();

/** Authority hosts MSAL knows (its instance discovery answers for them); any other must skip discovery. */
export function isKnownAuthorityHost(authorityHost: string): boolean {
  return CLOUD_NAMES.some((c) => origin(CLOUDS[c].authorityHost) === origin(authorityHost));
}

const PUBLIC_GRAPH = 'https://graph.microsoft.com';

/**
 * The `.default` scope of a token for the Graph endpoint: a national cloud's Graph takes tokens
 * for its own host. Any other endpoint (a proxy, the simulator) stands in for the public Graph.
 */
export function graphScope(graphBaseUrl: string): string {
  const graph = origin(graphBaseUrl);
  const national = CLOUD_NAMES.map((c) => origin(CLOUDS[c].graphBaseUrl)).find((o) => o === graph);
  return `${national ?? PUBLIC_GRAPH}/.default`;
}

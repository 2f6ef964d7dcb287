/**
 * Whether a stored cursor can be replayed against the connector's Graph endpoint: only a link
 * minted by the same origin. A connector moved to another cloud (graph.microsoft.com to
 * graph.microsoft.us, or GCC High to DoD, which share a sign-in host but not a Graph endpoint) or
 * to a proxy re-bootstraps with `graphEndpointChanged` instead of sending its cursor elsewhere.
 */
export function cursorUsableAt(link: string, graphBaseUrl: string): boolean {
  try {
    return new URL(link).origin === new URL(graphBaseUrl).origin;
  } catch {
    return false;
  }
}

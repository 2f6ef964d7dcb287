// The subscription manager's rules (docs/notifications.md, "Subscriptions"), with Graph's limits for
// users and groups (docs/graph-behaviour.md, "Change notifications").

/** What each connector subscribes to: users, and groups (which carry membership changes too). */
export const WATCHED_RESOURCES = ['/users', '/groups'] as const;
/** Users and groups support only these; creation and soft deletion arrive as `updated`. */
export const CHANGE_TYPE = 'updated,deleted';

/** Graph's maximum for directory resources is 41,760 minutes; an hour under it, so clock differences never ask past it. */
export const REQUESTED_LIFETIME_MS = (41_760 - 60) * 60_000;
/**
 * Renewed once less than 14 days are left, about half the lifetime: a renewal is one request a
 * fortnight, and a worker down, a tail stopped or Graph failing has two weeks before coverage lapses.
 */
export const RENEW_WHEN_LEFT_MS = 14 * 24 * 3600_000;
/** Graph says nothing when it drops a user or group subscription: the manager looks this often. */
export const CHECK_EVERY_SECONDS = 3600;
/** After a refusal (permission, limit, handshake), the next try: the backstop timer covers meanwhile. */
export const RETRY_UNAVAILABLE_SECONDS = 3600;

/** The application permissions that let the app subscribe ("Create subscription"). */
export const PERMISSION_FOR: Record<string, string> = {
  '/users': 'User.Read.All (or Directory.Read.All)',
  '/groups': 'Group.Read.All (or Directory.Read.All; GroupMember.Read.All, enough for groups delta, is not enough for subscriptions)',
};

export function sameResource(a: string, b: string): boolean {
  const norm = (r: string) => `/${r.trim().replace(/^\/+|\/+$/g, '').toLowerCase()}`;
  return norm(a) === norm(b);
}

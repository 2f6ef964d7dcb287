// What Microsoft documents for subscriptions to directory resources (docs/graph-behaviour.md,
// "Change notifications"): which resources, which change types, how long, how the URLs look.

/** Users and groups: at most 41,760 minutes (just under 29 days). */
export const MAX_LIFETIME_MINUTES = 41_760;
/** An expiration under 45 minutes after the request is raised to 45 minutes. */
export const MIN_LIFETIME_MINUTES = 45;
export const MAX_CLIENT_STATE_LENGTH = 128;
/** Users and groups support `updated` (created, updated, soft-deleted, restored) and `deleted` (gone for good). */
export const SUPPORTED_CHANGE_TYPES = ['updated', 'deleted'] as const;
export const KNOWN_CHANGE_TYPES = ['created', 'updated', 'deleted'] as const;
export const TLS_VERSIONS = ['v1_0', 'v1_1', 'v1_2', 'v1_3'] as const;

export type SupportedChangeType = (typeof SUPPORTED_CHANGE_TYPES)[number];

/** What a subscription watches. */
export type WatchedResource =
  | { kind: 'users'; id: string | null }
  | { kind: 'groups'; id: string | null }
  | { kind: 'groupLinks'; id: string; collection: 'members' | 'owners' };

const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const PATTERNS: Array<[RegExp, (match: RegExpExecArray) => WatchedResource]> = [
  [/^users$/i, () => ({ kind: 'users', id: null })],
  [new RegExp(`^users/(${GUID})$`, 'i'), (m) => ({ kind: 'users', id: (m[1] as string).toLowerCase() })],
  [/^groups$/i, () => ({ kind: 'groups', id: null })],
  [new RegExp(`^groups/(${GUID})$`, 'i'), (m) => ({ kind: 'groups', id: (m[1] as string).toLowerCase() })],
  [
    new RegExp(`^groups/(${GUID})/(members|owners)$`, 'i'),
    (m) => ({ kind: 'groupLinks', id: (m[1] as string).toLowerCase(), collection: (m[2] as string).toLowerCase() as 'members' | 'owners' }),
  ],
];

/** The resource path as Graph takes it (no base URL, a leading slash tolerated); undefined when not subscribable. */
export function parseResource(resource: string): WatchedResource | undefined {
  const path = resource.trim().replace(/^\/+/, '').replace(/\/+$/, '');
  for (const [pattern, build] of PATTERNS) {
    const match = pattern.exec(path);
    if (match) return build(match);
  }
  return undefined;
}

const DIRECTORY = ['Directory.Read.All', 'Directory.ReadWrite.All'];

/**
 * Application permissions that let an app subscribe ("subscription: reauthorize" and "Create
 * subscription" list User.Read.All and Group.Read.All as least privileged; GroupMember.Read.All,
 * enough for groups delta, is not among them).
 */
export function permissionsFor(resource: WatchedResource): readonly string[] {
  return resource.kind === 'users' ? ['User.Read.All', 'User.ReadWrite.All', ...DIRECTORY] : ['Group.Read.All', 'Group.ReadWrite.All', ...DIRECTORY];
}

/** `changeType` is a comma-separated list; the answer is the list or the first name that is not supported. */
export function parseChangeTypes(changeType: string): { ok: true; types: SupportedChangeType[] } | { ok: false; bad: string } {
  const names = changeType.split(',').map((name) => name.trim());
  const types: SupportedChangeType[] = [];
  for (const name of names) {
    if (!(SUPPORTED_CHANGE_TYPES as readonly string[]).includes(name)) return { ok: false, bad: name };
    if (!types.includes(name as SupportedChangeType)) types.push(name as SupportedChangeType);
  }
  return { ok: true, types };
}

/** An absolute HTTPS URL, or why not. */
export function httpsUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not an absolute URL';
  }
  return url.protocol === 'https:' ? undefined : 'must use the HTTPS protocol';
}

/**
 * The expiration a request asks for, as Graph settles it: under 45 minutes from now is raised to
 * 45 minutes; beyond the maximum is refused.
 */
export function settleExpiration(requested: Date, nowMs: number): { ok: true; expiresAtMs: number } | { ok: false } {
  const minimum = nowMs + MIN_LIFETIME_MINUTES * 60_000;
  const maximum = nowMs + MAX_LIFETIME_MINUTES * 60_000;
  const asked = requested.getTime();
  if (asked > maximum) return { ok: false };
  return { ok: true, expiresAtMs: Math.max(asked, minimum) };
}

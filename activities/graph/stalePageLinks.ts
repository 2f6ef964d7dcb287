import { isGraphError } from './graphErrors';

/**
 * Whether Graph refused a page link as stale rather than our query as wrong: 400
 * `Directory_ExpiredPageToken` (any casing), or any other 400 on a nextLink Graph itself handed
 * out (a page token kept too long, e.g. resumed from a heartbeat after a crash). Such a link never
 * works again, so the round starts over; retrying the link, or failing the run, would not help.
 */
export function isStalePageLink(err: unknown, fromNextLink: boolean): boolean {
  if (!isGraphError(err) || err.statusCode !== 400) return false;
  return fromNextLink || (err.code ?? '').toLowerCase() === 'directory_expiredpagetoken';
}

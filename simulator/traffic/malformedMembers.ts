import type { SimResponse } from '../http/simRequest';
import type { MembersMalformation } from './faults';

const MEMBERS_DELTA = 'members@delta';

/**
 * A groups delta page with one entry's `members@delta` spoilt: no longer an array, or its first
 * member without an id. Pages without a group carrying members are left as they are.
 */
export function malformMembersDelta(response: SimResponse, malformation: MembersMalformation): SimResponse {
  const body = response.json as { value?: Array<Record<string, unknown>> } | undefined;
  if (response.status !== 200 || !Array.isArray(body?.value)) return response;
  const value = structuredClone(body.value);
  const entry = value.find((e) => Array.isArray(e[MEMBERS_DELTA]) && (malformation === 'notArray' || (e[MEMBERS_DELTA] as unknown[]).length > 0));
  if (!entry) return response;
  const members = entry[MEMBERS_DELTA] as Array<Record<string, unknown>>;
  if (malformation === 'notArray') entry[MEMBERS_DELTA] = members[0] ?? {};
  else delete members[0]!.id;
  return { ...response, json: { ...body, value } };
}

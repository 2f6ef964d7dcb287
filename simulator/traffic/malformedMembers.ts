import type { SimResponse } from '../http/simRequest';
import type { MalformedCollection, MembersMalformation } from './faults';

/**
 * A groups delta page with one entry's `members@delta` (or `owners@delta`) spoilt: no longer an
 * array, or its first item without an id. Pages without a group carrying that collection are
 * left as they are.
 */
export function malformMembersDelta(response: SimResponse, malformation: MembersMalformation, collection: MalformedCollection = 'members'): SimResponse {
  const property = `${collection}@delta`;
  const body = response.json as { value?: Array<Record<string, unknown>> } | undefined;
  if (response.status !== 200 || !Array.isArray(body?.value)) return response;
  const value = structuredClone(body.value);
  const entry = value.find((e) => Array.isArray(e[property]) && (malformation === 'notArray' || (e[property] as unknown[]).length > 0));
  if (!entry) return response;
  const items = entry[property] as Array<Record<string, unknown>>;
  if (malformation === 'notArray') entry[property] = items[0] ?? {};
  else delete items[0]!.id;
  return { ...response, json: { ...body, value } };
}

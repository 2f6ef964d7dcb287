// OData query options as Graph reads them: names case-insensitive, $select names canonicalised.

import { isGuid } from '../model/directoryObjects';

/** Query options by lower-cased name; the first occurrence wins. */
export function readQueryOptions(url: URL): Map<string, string> {
  const options = new Map<string, string>();
  for (const [name, value] of url.searchParams) {
    const key = name.toLowerCase();
    if (!options.has(key)) options.set(key, value);
  }
  return options;
}

/** `unsupported`: valid OData the endpoint does not support (Request_UnsupportedQuery), else malformed. */
export type Resolution<T> = { ok: true; value: T } | { ok: false; message: string; unsupported?: boolean };

/** Maps $select names case-insensitively to canonical Graph names; unknown names are an error. */
export function resolveSelect(selectable: readonly string[], graphType: string, raw: string | undefined): Resolution<string[] | null> {
  if (raw === undefined || raw.trim() === '') return { ok: true, value: null };
  const canonical = new Map(selectable.map((name) => [name.toLowerCase(), name]));
  const names: string[] = [];
  for (const part of raw.split(',')) {
    const name = canonical.get(part.trim().toLowerCase());
    if (!name) return { ok: false, message: `Could not find a property named '${part.trim()}' on type '${graphType}'.` };
    if (!names.includes(name)) names.push(name);
  }
  return { ok: true, value: names };
}

const ID_EQUALS = /^\s*id\s+eq\s+'([^']*)'\s*$/i;

/** `id eq 'a' or id eq 'b'` (the only $filter delta queries accept): sorted distinct lower-case ids. */
export function parseIdFilter(raw: string, maxIds: number): Resolution<string[]> {
  const ids = new Set<string>();
  for (const clause of raw.split(/\s+or\s+/i)) {
    const match = ID_EQUALS.exec(clause);
    if (!match) return { ok: false, message: `Unsupported filter: only "id eq '<id>'" clauses joined by "or" are supported here.` };
    const id = (match[1] as string).toLowerCase();
    if (!isGuid(id)) return { ok: false, message: `Invalid object identifier '${match[1]}'.` };
    ids.add(id);
  }
  if (ids.size > maxIds) return { ok: false, message: `Too many ids in the filter: at most ${maxIds} are allowed.` };
  return { ok: true, value: [...ids].sort() };
}

import type { DirectoryRecord, DirectoryStream } from '../directoryStream';
import type { DeltaPosition, DeltaTokenCodec } from '../deltaToken';
import type { DeltaTokenLifecycle } from '../deltaTokenLifecycle';
import type { SimRequest, SimResponse } from '../http/simRequest';
import type { PublicOrigin } from '../publicOrigin';
import type { TenantStore } from '../tenant';
import { graphError, graphJson } from './graphResponses';

/** What differs between users, groups, applications and servicePrincipals delta. */
export interface DeltaResource {
  /** Change-log stream in the tenant store. */
  stream: string;
  /** Entity set name used in @odata.context. */
  entitySet: string;
  /** e.g. microsoft.graph.user, for error messages. */
  graphType: string;
  /** Absolute path of the endpoint, e.g. /v1.0/users/delta. */
  path: string;
  /** Any one of these application permissions grants access. */
  acceptedPermissions: readonly string[];
  selectableProperties: readonly string[];
  /** Returned when the client sends no $select. */
  defaultProperties: readonly string[];
  /** Returned as [] instead of null when empty. */
  collectionProperties: ReadonlySet<string>;
}

export interface DeltaQuerySettings {
  /** Service-chosen page size; clients cannot change it ($top is refused). */
  pageSize: number;
  /** Emit every object twice, to exercise idempotent processing. */
  duplicates: boolean;
}

export interface DeltaQueryDependencies {
  tenant: TenantStore;
  codec: DeltaTokenCodec;
  lifecycle: DeltaTokenLifecycle;
  origin: PublicOrigin;
  settings: DeltaQuerySettings;
  now: () => number;
}

const ACCEPTED_OPTIONS = new Set(['$select', '$skiptoken', '$deltatoken']);
const UNSUPPORTED_OPTIONS = new Set(['$top', '$expand', '$orderby', '$filter', '$search', '$count', '$skip', '$format', '$apply']);

type Entry = Record<string, unknown>;

/**
 * Serves one page of a delta round. The position travels in the token, so the server keeps
 * no per-client state: an initial round pages through active objects as of its snapshot
 * sequence; later rounds page through objects changed in (fromSeq, toSeq].
 */
export function handleDeltaQuery(resource: DeltaResource, deps: DeltaQueryDependencies, request: SimRequest): SimResponse {
  const stream = deps.tenant.stream(resource.stream);
  if (!stream) throw new Error(`tenant has no ${resource.stream} stream`);

  const options = readQueryOptions(request.url);
  for (const name of options.keys()) {
    if (UNSUPPORTED_OPTIONS.has(name)) {
      return graphError(request, 400, 'Request_UnsupportedQuery', `The query option '${name}' is not supported with delta queries on ${resource.entitySet}.`);
    }
    if (!ACCEPTED_OPTIONS.has(name)) {
      return graphError(request, 400, 'Request_BadRequest', `Unrecognized query argument specified: '${name.replace(/^\$/, '')}'.`);
    }
  }

  const latest = options.get('$deltatoken')?.toLowerCase() === 'latest';
  const token = latest ? undefined : (options.get('$deltatoken') ?? options.get('$skiptoken'));
  let position: DeltaPosition;
  if (token === undefined) {
    const select = resolveSelect(resource, options.get('$select'));
    if (!select.ok) return graphError(request, 400, 'Request_BadRequest', select.message);
    const current = deps.tenant.currentSeq;
    position = {
      stream: resource.stream,
      phase: 'initial',
      fromSeq: 0,
      toSeq: current,
      afterId: null,
      select: select.names,
      issuedAt: deps.now(),
      ...deps.lifecycle.generationsFor(resource.stream),
    };
    if (latest) {
      // $deltatoken=latest: skip the snapshot, hand out a cursor at "now".
      return page(resource, deps, { ...position, phase: 'deltaLink', fromSeq: current }, [], false);
    }
  } else {
    const decoded = deps.codec.decode(token);
    if (!decoded || decoded.stream !== resource.stream) {
      return graphError(request, 400, 'Request_BadRequest', 'The delta token or skip token is invalid.');
    }
    const verdict = deps.lifecycle.verdict(decoded, deps.tenant.currentSeq, deps.now());
    if (verdict === 'resyncRequired') {
      return graphError(
        request,
        410,
        'resyncRequired',
        'Resync required. Replace any local cached copies of the objects with the objects returned by a full sync.',
        { location: freshQueryUrl(resource, deps, decoded.select) },
      );
    }
    if (verdict === 'syncStateNotFound') {
      return graphError(request, 400, 'syncStateNotFound', 'The sync state is not found or has expired. Please do a full sync.');
    }
    position =
      decoded.phase === 'deltaLink'
        ? { ...decoded, phase: 'changes', toSeq: deps.tenant.currentSeq, afterId: null }
        : decoded;
  }

  const { entries, lastId, more } = collectPage(stream, position, resource, deps.settings);
  return page(resource, deps, position, entries, more, lastId);
}

function page(
  resource: DeltaResource,
  deps: DeltaQueryDependencies,
  position: DeltaPosition,
  entries: Entry[],
  more: boolean,
  lastId: string | null = null,
): SimResponse {
  const base = `${deps.origin.url}${resource.path}`;
  const context = `${deps.origin.url}/v1.0/$metadata#${resource.entitySet}${position.select ? `(${position.select.join(',')})` : ''}`;
  if (more) {
    const next = deps.codec.encode({ ...position, afterId: lastId, issuedAt: deps.now() });
    return graphJson(200, { '@odata.context': context, '@odata.nextLink': `${base}?$skiptoken=${next}`, value: entries });
  }
  const cursor = deps.codec.encode({
    ...position,
    phase: 'deltaLink',
    fromSeq: position.toSeq,
    afterId: null,
    issuedAt: deps.now(),
  });
  return graphJson(200, { '@odata.context': context, value: entries, '@odata.deltaLink': `${base}?$deltatoken=${cursor}` });
}

function collectPage(
  stream: DirectoryStream<{ id: string }>,
  position: DeltaPosition,
  resource: DeltaResource,
  settings: DeltaQuerySettings,
): { entries: Entry[]; lastId: string | null; more: boolean } {
  const selected = position.select ?? undefined;
  const entries: Entry[] = [];
  let returned = 0;
  let lastId: string | null = null;
  for (const record of stream.recordsAfter(position.afterId)) {
    const seq = stream.relevantSeq(record, selected);
    // Anything changed after the round's snapshot waits for the next round.
    if (seq > position.toSeq) continue;
    const belongs = position.phase === 'initial' ? record.state === 'active' : seq > position.fromSeq;
    if (!belongs) continue;
    if (returned === settings.pageSize) return { entries, lastId, more: true };
    const entry = render(record, position.select ?? resource.defaultProperties, resource);
    entries.push(entry);
    if (settings.duplicates) entries.push(structuredClone(entry));
    returned++;
    lastId = record.id;
  }
  return { entries, lastId, more: false };
}

function render(record: DirectoryRecord<{ id: string }>, properties: readonly string[], resource: DeltaResource): Entry {
  if (record.state === 'softDeleted') return { id: record.id, '@removed': { reason: 'changed' } };
  if (record.state === 'deleted') return { id: record.id, '@removed': { reason: 'deleted' } };
  const stored = record.properties as Record<string, unknown>;
  const entry: Entry = {};
  for (const name of properties) {
    entry[name] = stored[name] ?? (resource.collectionProperties.has(name) ? [] : null);
  }
  entry.id = record.id;
  return entry;
}

type SelectResolution = { ok: true; names: string[] | null } | { ok: false; message: string };

/** Maps $select names case-insensitively to canonical Graph names; unknown names are an error. */
function resolveSelect(resource: DeltaResource, raw: string | undefined): SelectResolution {
  if (raw === undefined || raw.trim() === '') return { ok: true, names: null };
  const canonical = new Map(resource.selectableProperties.map((name) => [name.toLowerCase(), name]));
  const names: string[] = [];
  for (const part of raw.split(',')) {
    const name = canonical.get(part.trim().toLowerCase());
    if (!name) {
      return { ok: false, message: `Could not find a property named '${part.trim()}' on type '${resource.graphType}'.` };
    }
    if (!names.includes(name)) names.push(name);
  }
  return { ok: true, names };
}

/** Query options by lower-cased name; the first occurrence wins. */
function readQueryOptions(url: URL): Map<string, string> {
  const options = new Map<string, string>();
  for (const [name, value] of url.searchParams) {
    const key = name.toLowerCase();
    if (!options.has(key)) options.set(key, value);
  }
  return options;
}

function freshQueryUrl(resource: DeltaResource, deps: DeltaQueryDependencies, select: string[] | null): string {
  return `${deps.origin.url}${resource.path}${select ? `?$select=${select.join(',')}` : ''}`;
}

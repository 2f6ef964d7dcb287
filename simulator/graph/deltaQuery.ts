import type { DirectoryRecord, DirectoryStream } from '../model/directoryStream';
import type { DeltaPosition, DeltaTokenCodec } from './deltaToken';
import type { DeltaTokenLifecycle } from './deltaTokenLifecycle';
import type { SimRequest, SimResponse } from '../http/simRequest';
import type { PublicOrigin } from '../http/publicOrigin';
import type { TenantStore } from '../tenant/tenantStore';
import { graphError, graphJson } from './graphResponses';
import { parseIdFilter, readQueryOptions, resolveSelect } from './queryOptions';

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
  /** Includes the linked collections' names (e.g. members, owners) when there are some. */
  selectableProperties: readonly string[];
  /** Returned when the client sends no $select. */
  defaultProperties: readonly string[];
  /** Returned as [] instead of null when empty. */
  collectionProperties: ReadonlySet<string>;
  /** Most ids a `$filter=id eq '…' or …` may name. */
  maxFilterIds: number;
  /** Navigation properties tracked as `<name>@delta` when $select names them (groups: members, owners). */
  linked?: readonly DeltaLinkedCollection[];
}

/** A linked collection of a delta object, e.g. a group's direct members or its owners. */
export interface DeltaLinkedCollection {
  name: string;
  source(tenant: TenantStore): DeltaLinkSource;
}

export interface DeltaLinkSource {
  /** Current linked ids of the owner, in id order. */
  current(ownerId: string): readonly string[];
  /** Linked ids whose link changed after `seq`, in id order. */
  changedAfter(ownerId: string, seq: number): readonly string[];
  lastChangeSeq(ownerId: string): number;
  isLinked(ownerId: string, linkedId: string): boolean;
  /** e.g. #microsoft.graph.user */
  odataType(linkedId: string): string;
}

export interface DeltaQuerySettings {
  /** Service-chosen page size (entries per page); clients cannot change it ($top is refused). */
  pageSize: number;
  /** Emit every entry twice, to exercise idempotent processing. */
  duplicates: boolean;
  /**
   * Most linked items (group members and owners together) per entry; a larger group spans
   * several entries, members first, then owners. Default 100.
   */
  membersPerEntry?: number;
  /** Updates carry only id plus the properties changed since the cursor. Default false. */
  changedPropertiesOnly?: boolean;
  /** The initial round also lists deleted objects as `@removed` (Graph may). Default false. */
  removedInInitialRound?: boolean;
  /**
   * A round that finds no change answers with the very deltaLink it was called with, as
   * Microsoft's groups delta walkthrough shows: link text never identifies a round. Default true.
   */
  repeatUnchangedDeltaLink?: boolean;
  /**
   * A 410 resync's `Location` is what Microsoft documents, "a request URL with an empty
   * $deltaToken": `…/delta?$deltatoken=`, without the client's `$select` or `$filter`, so a
   * client that follows it gets the default properties. Default false (the query echoed back).
   */
  bareResyncLocation?: boolean;
  /**
   * How an expired token (older than the lifecycle's max age, or expired by the control API) is
   * answered. Graph documents 400 `syncStateNotFound`; clients meet other casings and a 410 form
   * too. Default `{ status: 400, code: 'syncStateNotFound' }`.
   */
  expiredTokenAnswer?: { status: 400 | 410; code: string };
}

export const DEFAULT_MEMBERS_PER_ENTRY = 100;

export interface DeltaQueryDependencies {
  tenant: TenantStore;
  codec: DeltaTokenCodec;
  lifecycle: DeltaTokenLifecycle;
  origin: PublicOrigin;
  settings: DeltaQuerySettings;
  now: () => number;
}

const ACCEPTED_OPTIONS = new Set(['$select', '$skiptoken', '$deltatoken', '$filter']);
const UNSUPPORTED_OPTIONS = new Set(['$top', '$expand', '$orderby', '$search', '$count', '$skip', '$format', '$apply']);

type Entry = Record<string, unknown>;
type LinkItem = { id: string; present: boolean };

/**
 * Serves one page of a delta round. The position travels in the token, so the server keeps
 * no per-client state. An initial round pages through objects active at its snapshot; a
 * later round through objects with a relevant change since the cursor, rendered as they are
 * now (a change made while paging may be reported again next round: Graph replays too).
 */
export function handleDeltaQuery(resource: DeltaResource, deps: DeltaQueryDependencies, request: SimRequest): SimResponse {
  const stream = deps.tenant.stream(resource.stream);
  if (!stream) throw new Error(`tenant has no ${resource.stream} stream`);

  const options = readQueryOptions(request.url);
  for (const name of options.keys()) {
    if (UNSUPPORTED_OPTIONS.has(name) || (name === '$filter' && resource.maxFilterIds === 0)) {
      return graphError(request, 400, 'Request_UnsupportedQuery', `The query option '${name}' is not supported with delta queries on ${resource.entitySet}.`);
    }
    if (!ACCEPTED_OPTIONS.has(name)) {
      return graphError(request, 400, 'Request_BadRequest', `Unrecognized query argument specified: '${name.replace(/^\$/, '')}'.`);
    }
  }

  const latest = options.get('$deltatoken')?.toLowerCase() === 'latest';
  // An empty $deltatoken (a 410's documented Location) is the initial query.
  const token = latest ? undefined : options.get('$deltatoken') || options.get('$skiptoken');
  let position: DeltaPosition;
  if (token === undefined) {
    const select = resolveSelect(resource.selectableProperties, resource.graphType, options.get('$select'));
    if (!select.ok) return graphError(request, 400, 'Request_BadRequest', select.message);
    const filter = options.get('$filter');
    const ids = filter === undefined ? undefined : parseIdFilter(filter, resource.maxFilterIds);
    if (ids && !ids.ok) return graphError(request, 400, 'Request_UnsupportedQuery', ids.message);
    const current = deps.tenant.currentSeq;
    position = {
      stream: resource.stream,
      phase: 'initial',
      fromSeq: 0,
      toSeq: current,
      afterId: null,
      afterLinkId: null,
      ids: ids?.ok ? ids.value : null,
      select: select.value,
      issuedAt: deps.now(),
      ...deps.lifecycle.generationsFor(resource.stream),
    };
    if (latest) {
      // $deltatoken=latest: skip the snapshot, hand out a cursor at "now".
      return page(resource, deps, { ...position, phase: 'deltaLink', fromSeq: current }, [], undefined);
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
        { location: freshQueryUrl(resource, deps, decoded) },
      );
    }
    if (verdict === 'syncStateNotFound') {
      const answer = deps.settings.expiredTokenAnswer ?? { status: 400, code: 'syncStateNotFound' };
      // Microsoft's wording for an identity delta link past its seven days.
      return graphError(request, answer.status, answer.code, 'The sync state generation is not found. The delta token is expired and data must be synchronized again.');
    }
    position =
      decoded.phase === 'deltaLink'
        ? { ...decoded, phase: 'changes', toSeq: deps.tenant.currentSeq, afterId: null, afterLinkId: null }
        : decoded;
    const collected = collectPage(stream, position, resource, deps);
    const unchanged = decoded.phase === 'deltaLink' && collected.entries.length === 0 && !collected.resumeAt;
    if (unchanged && deps.settings.repeatUnchangedDeltaLink !== false) {
      return graphJson(200, { '@odata.context': contextUrl(resource, deps, position), value: [], '@odata.deltaLink': `${deps.origin.url}${resource.path}?$deltatoken=${token}` });
    }
    return page(resource, deps, position, collected.entries, collected.resumeAt);
  }

  const collected = collectPage(stream, position, resource, deps);
  return page(resource, deps, position, collected.entries, collected.resumeAt);
}

function contextUrl(resource: DeltaResource, deps: DeltaQueryDependencies, position: DeltaPosition): string {
  return `${deps.origin.url}/v1.0/$metadata#${resource.entitySet}${position.select ? `(${position.select.join(',')})` : ''}`;
}

/** `resumeAt` undefined: the round is complete, hand out the deltaLink. */
function page(
  resource: DeltaResource,
  deps: DeltaQueryDependencies,
  position: DeltaPosition,
  entries: Entry[],
  resumeAt: { afterId: string | null; afterLinkId: string | null } | undefined,
): SimResponse {
  const base = `${deps.origin.url}${resource.path}`;
  const context = contextUrl(resource, deps, position);
  if (resumeAt) {
    const next = deps.codec.encode({ ...position, ...resumeAt, issuedAt: deps.now() });
    return graphJson(200, { '@odata.context': context, '@odata.nextLink': `${base}?$skiptoken=${next}`, value: entries });
  }
  const cursor = deps.codec.encode({
    ...position,
    phase: 'deltaLink',
    fromSeq: position.toSeq,
    afterId: null,
    afterLinkId: null,
    issuedAt: deps.now(),
  });
  return graphJson(200, { '@odata.context': context, value: entries, '@odata.deltaLink': `${base}?$deltatoken=${cursor}` });
}

function collectPage(
  stream: DirectoryStream<{ id: string }>,
  position: DeltaPosition,
  resource: DeltaResource,
  deps: DeltaQueryDependencies,
): { entries: Entry[]; resumeAt?: { afterId: string | null; afterLinkId: string | null } } {
  const settings = deps.settings;
  const linked = (resource.linked ?? []).filter((collection) => position.select?.includes(collection.name));
  const links = linked.length > 0 ? combinedLinks(linked, deps.tenant) : undefined;
  const perEntry = Math.max(1, settings.membersPerEntry ?? DEFAULT_MEMBERS_PER_ENTRY);
  const propertySelect = position.select?.filter((name) => !linked.some((collection) => collection.name === name));
  const entries: Entry[] = [];
  let done = { afterId: position.afterId, afterLinkId: position.afterLinkId };

  const emit = (entry: Entry) => {
    entries.push(entry);
    if (settings.duplicates) entries.push(structuredClone(entry));
  };

  for (const { record, resuming } of recordsToVisit(stream, position)) {
    const plan = resuming ? continuation(record, position) : planEntry(stream, record, position, resource, propertySelect, links, settings);
    if (!plan) continue;
    if (plan.removed) {
      if (entries.length >= settings.pageSize * (settings.duplicates ? 2 : 1)) return { entries, resumeAt: done };
      emit({ id: record.id, '@removed': { reason: plan.removed } });
      done = { afterId: record.id, afterLinkId: null };
      continue;
    }
    // Only what can still fit on this page (plus one, to know whether the group goes on).
    const room = (settings.pageSize - entries.length / (settings.duplicates ? 2 : 1)) * perEntry + 1;
    const after = resuming ? position.afterLinkId : null;
    const items = links ? linkItems(links, record.id, plan.fullLinks ? 'full' : 'changes', position, after, room) : undefined;
    if (items && resuming && items.length === 0) {
      done = { afterId: record.id, afterLinkId: null };
      continue;
    }
    // Without link changes an update entry carries no members@delta; a full render lists [] at least.
    const chunks = items === undefined ? [undefined] : items.length === 0 ? [plan.fullLinks ? [] : undefined] : chunk(items, perEntry);
    for (let index = 0; index < chunks.length; index++) {
      if (entries.length >= settings.pageSize * (settings.duplicates ? 2 : 1)) return { entries, resumeAt: done };
      const piece = chunks[index];
      const entry: Entry = index === 0 && !resuming && plan.properties ? render(record, plan.properties, resource) : { id: record.id };
      if (piece !== undefined && links) {
        // A full render names every selected collection, empty or not; otherwise only those with items.
        if (piece.length === 0) for (const collection of linked) entry[`${collection.name}@delta`] = [];
        for (const item of piece) {
          const { name, id } = splitLinkKey(item.id);
          ((entry[`${name}@delta`] ??= []) as Entry[]).push(linkEntry(links, id, item));
        }
      }
      emit(entry);
      const last = index === chunks.length - 1;
      done = { afterId: record.id, afterLinkId: last || !piece ? null : (piece[piece.length - 1] as LinkItem).id };
    }
  }
  return { entries };
}

interface EntryPlan {
  removed?: 'changed' | 'deleted';
  /** Properties to render; undefined: only id (+ links). */
  properties?: readonly string[];
  /** List every current link (object new to the client) rather than changes since the cursor. */
  fullLinks: boolean;
}

/** Whether a record belongs in this round, and how much of it to render. */
function planEntry(
  stream: DirectoryStream<{ id: string }>,
  record: DirectoryRecord<{ id: string }>,
  position: DeltaPosition,
  resource: DeltaResource,
  propertySelect: readonly string[] | undefined,
  links: DeltaLinkSource | undefined,
  settings: DeltaQuerySettings,
): EntryPlan | undefined {
  const properties = propertySelect ?? resource.defaultProperties;
  const removedReason = record.state === 'softDeleted' ? 'changed' : record.state === 'deleted' ? 'deleted' : undefined;
  if (position.phase === 'initial') {
    // Objects that appeared, vanished or came back after the snapshot wait for the next round.
    if (record.stateChangedSeq > position.toSeq) return undefined;
    if (removedReason) return settings.removedInInitialRound ? { removed: removedReason, fullLinks: false } : undefined;
    return { properties, fullLinks: true };
  }
  const stateChanged = record.stateChangedSeq > position.fromSeq;
  const propertiesChanged = stream.relevantSeq(record, propertySelect) > position.fromSeq;
  const linksChanged = links !== undefined && links.lastChangeSeq(record.id) > position.fromSeq;
  if (!propertiesChanged && !linksChanged) return undefined;
  if (removedReason) return { removed: removedReason, fullLinks: false };
  if (stateChanged) return { properties, fullLinks: true };
  if (!propertiesChanged) return { fullLinks: false };
  if (!settings.changedPropertiesOnly) return { properties, fullLinks: false };
  const changed = properties.filter((name) => (record.propertyChangedSeq.get(name) ?? 0) > position.fromSeq);
  return { properties: changed, fullLinks: false };
}

/** A record whose linked items were cut by the previous page: carry on if it is still there. */
function continuation(record: DirectoryRecord<{ id: string }>, position: DeltaPosition): EntryPlan | undefined {
  if (record.state !== 'active') return undefined;
  const fullLinks = position.phase === 'initial' || record.stateChangedSeq > position.fromSeq;
  return { fullLinks };
}

function* recordsToVisit(
  stream: DirectoryStream<{ id: string }>,
  position: DeltaPosition,
): Generator<{ record: DirectoryRecord<{ id: string }>; resuming: boolean }> {
  if (position.afterLinkId !== null && position.afterId !== null) {
    const current = stream.get(position.afterId);
    if (current) yield { record: current, resuming: true };
  }
  if (position.ids) {
    for (const id of position.ids) {
      if (position.afterId !== null && id <= position.afterId) continue;
      const record = stream.get(id);
      if (record) yield { record, resuming: false };
    }
    return;
  }
  for (const record of stream.recordsAfter(position.afterId)) yield { record, resuming: false };
}

/**
 * Links to report, in id order, after `after` and at most `limit` of them: every current one
 * (plus removals since the cursor) or just the changes since the cursor.
 */
function linkItems(
  links: DeltaLinkSource,
  ownerId: string,
  mode: 'full' | 'changes',
  position: DeltaPosition,
  after: string | null,
  limit: number,
): LinkItem[] {
  const changed = position.phase === 'initial' ? [] : links.changedAfter(ownerId, position.fromSeq);
  if (mode === 'changes') {
    return changed
      .slice(upperBound(changed, after))
      .slice(0, limit)
      .map((id) => ({ id, present: links.isLinked(ownerId, id) }));
  }
  const current = links.current(ownerId);
  const present = current.slice(upperBound(current, after), upperBound(current, after) + limit).map((id) => ({ id, present: true }));
  const removed = changed.filter((id) => (after === null || id > after) && !links.isLinked(ownerId, id)).map((id) => ({ id, present: false }));
  if (removed.length === 0) return present;
  return [...present, ...removed]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, limit);
}

/** Index of the first id strictly greater than `after` (0 when null). */
function upperBound(sorted: readonly string[], after: string | null): number {
  if (after === null) return 0;
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as string) <= after) low = middle + 1;
    else high = middle;
  }
  return low;
}

function linkEntry(links: DeltaLinkSource, id: string, item: LinkItem): Entry {
  const entry: Entry = { '@odata.type': links.odataType(item.id), id };
  if (!item.present) entry['@removed'] = { reason: 'deleted' };
  return entry;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let index = 0; index < items.length; index += size) chunks.push(items.slice(index, index + size));
  return chunks;
}

function render(record: DirectoryRecord<{ id: string }>, properties: readonly string[], resource: DeltaResource): Entry {
  const stored = record.properties as Record<string, unknown>;
  const entry: Entry = {};
  for (const name of properties) {
    if (resource.linked?.some((collection) => collection.name === name)) continue;
    entry[name] = stored[name] ?? (resource.collectionProperties.has(name) ? [] : null);
  }
  entry.id = record.id;
  return entry;
}

function freshQueryUrl(resource: DeltaResource, deps: DeltaQueryDependencies, position: DeltaPosition): string {
  const query: string[] = [];
  if (deps.settings.bareResyncLocation) return `${deps.origin.url}${resource.path}?$deltatoken=`;
  if (position.select) query.push(`$select=${position.select.join(',')}`);
  if (position.ids) query.push(`$filter=${position.ids.map((id) => `id eq '${id}'`).join(' or ')}`);
  return `${deps.origin.url}${resource.path}${query.length > 0 ? `?${query.join('&')}` : ''}`;
}

/**
 * The selected linked collections of an object as one sequence of `<name>:<id>` keys in key
 * order (collections by name, ids in id order within each), so one entry's items may span
 * collections and a page may stop inside either: the token keeps the last key returned.
 */
function combinedLinks(collections: readonly DeltaLinkedCollection[], tenant: TenantStore): DeltaLinkSource {
  const sources = [...collections].sort((a, b) => (a.name < b.name ? -1 : 1)).map((c) => ({ name: c.name, source: c.source(tenant) }));
  const prefixed = (name: string, ids: readonly string[]) => ids.map((id) => `${name}:${id}`);
  const sourceOf = (key: string) => {
    const { name, id } = splitLinkKey(key);
    return { source: sources.find((s) => s.name === name)?.source, id };
  };
  return {
    current: (ownerId) => sources.flatMap(({ name, source }) => prefixed(name, source.current(ownerId))),
    changedAfter: (ownerId, seq) => sources.flatMap(({ name, source }) => prefixed(name, source.changedAfter(ownerId, seq))),
    lastChangeSeq: (ownerId) => Math.max(0, ...sources.map(({ source }) => source.lastChangeSeq(ownerId))),
    isLinked: (ownerId, key) => {
      const { source, id } = sourceOf(key);
      return source?.isLinked(ownerId, id) ?? false;
    },
    odataType: (key) => {
      const { source, id } = sourceOf(key);
      return source?.odataType(id) ?? '#microsoft.graph.directoryObject';
    },
  };
}

function splitLinkKey(key: string): { name: string; id: string } {
  const colon = key.indexOf(':');
  return { name: key.slice(0, colon), id: key.slice(colon + 1) };
}

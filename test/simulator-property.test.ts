import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeltaTokenCodec, deriveDeltaTokenKey } from '../simulator/graph/deltaToken';
import { DeltaTokenLifecycle } from '../simulator/graph/deltaTokenLifecycle';
import { createTenantStore, generateTenant, type GeneratedTenant } from '../simulator/generate/generator';
import type { DeltaQueryDependencies, DeltaQuerySettings, DeltaResource } from '../simulator/graph/deltaQuery';
import { handleDeltaQuery } from '../simulator/graph/deltaQuery';
import { DELTA_RESOURCES } from '../simulator/graph/graphRoutes';
import { activeObjects, directMemberships } from '../simulator/tenant/groundTruth';
import { PublicOrigin } from '../simulator/http/publicOrigin';
import { createRandom, hashSeed, type Random } from '../simulator/generate/random';
import type { RunningSimulator } from '../simulator/server';
import { InvalidStateError, ObjectNotFoundError } from '../simulator/model/simulatorErrors';
import { STREAM_NAMES, type StreamName, type TenantStore } from '../simulator/tenant/tenantStore';
import { rawGraph, start, type DeltaEntry, type DeltaPage } from './simulatorHelpers';

// Property: whatever happens to the tenant, a client that applies every delta entry (last
// occurrence wins, @removed drops, members@delta adds and removes) onto its initial snapshot
// ends up with exactly the tenant's current objects and direct memberships, for all four
// streams, with duplicates, tiny pages, split member lists, changed-properties-only updates,
// @removed in the initial round and changes made while a round is being paged.

const SEQUENCES = Number(process.env.DELTA_PROPERTY_SEQUENCES ?? 2000);
const SELECTS: Record<StreamName, string[]> = {
  users: ['displayName', 'accountEnabled', 'userType', 'jobTitle'],
  groups: ['displayName', 'description', 'mailEnabled', 'members'],
  applications: ['displayName', 'notes', 'passwordCredentials', 'keyCredentials'],
  servicePrincipals: ['displayName', 'accountEnabled', 'appRoleAssignmentRequired', 'passwordCredentials', 'keyCredentials'],
};
const RESOURCES = new Map(DELTA_RESOURCES.map((resource) => [resource.stream as StreamName, resource]));

/** A client-side copy of one stream, built only from what delta returns. */
class Replica {
  readonly objects = new Map<string, Record<string, unknown>>();
  readonly members = new Map<string, Set<string>>();

  apply(entry: DeltaEntry): void {
    if (entry['@removed']) {
      this.objects.delete(entry.id);
      this.members.delete(entry.id);
      return;
    }
    const object = this.objects.get(entry.id) ?? {};
    for (const [name, value] of Object.entries(entry)) {
      if (name === 'members@delta' || name.startsWith('@')) continue;
      object[name] = value;
    }
    this.objects.set(entry.id, object);
    const changes = entry['members@delta'] as Array<{ id: string; '@odata.type': string; '@removed'?: unknown }> | undefined;
    if (changes) {
      const set = this.members.get(entry.id) ?? new Set<string>();
      for (const change of changes) {
        expect(change['@odata.type']).toMatch(/^#microsoft\.graph\.(user|group|servicePrincipal|device|orgContact)$/);
        if (change['@removed']) set.delete(change.id);
        else set.add(change.id);
      }
      this.members.set(entry.id, set);
    }
  }
}

interface Harness {
  tenant: TenantStore;
  deps: DeltaQueryDependencies;
  settings: DeltaQuerySettings;
}

function harness(generated: GeneratedTenant, seed: number, settings: DeltaQuerySettings): Harness {
  const tenant = createTenantStore(generated, { seed });
  const origin = new PublicOrigin();
  origin.set(443);
  return {
    tenant,
    settings,
    deps: {
      tenant,
      codec: new DeltaTokenCodec(deriveDeltaTokenKey(tenant.tenantId, seed)),
      lifecycle: new DeltaTokenLifecycle(),
      origin,
      settings,
      now: () => Date.now(),
    },
  };
}

function get(resource: DeltaResource, deps: DeltaQueryDependencies, url: string): DeltaPage {
  const response = handleDeltaQuery(resource, deps, {
    method: 'GET',
    url: new URL(url),
    headers: {},
    body: '',
    requestId: randomUUID(),
    clientRequestId: 'property-test',
    receivedAt: new Date(),
  });
  if (response.status !== 200) throw new Error(`delta answered ${response.status}: ${JSON.stringify(response.json)}`);
  return response.json as DeltaPage;
}

/** One full round; `meanwhile` may change the tenant between pages. Returns the deltaLink. */
function round(h: Harness, stream: StreamName, replica: Replica, startUrl: string, meanwhile: () => void): string {
  const resource = RESOURCES.get(stream) as DeltaResource;
  let url = startUrl;
  for (let pages = 0; pages < 10_000; pages++) {
    const page = get(resource, h.deps, url);
    for (const entry of page.value) replica.apply(entry);
    expect(page.value.length).toBeLessThanOrEqual(h.settings.pageSize * (h.settings.duplicates ? 2 : 1));
    if (page['@odata.deltaLink']) return page['@odata.deltaLink'];
    url = page['@odata.nextLink'] as string;
    meanwhile();
  }
  throw new Error('round never ended');
}

function initialUrl(stream: StreamName, select: string[] | null): string {
  return `https://localhost:443/v1.0/${stream}/delta${select ? `?$select=${select.join(',')}` : ''}`;
}

/** Random valid-or-not mutations; refused ones (409/404 in the control API) are simply skipped. */
function mutate(tenant: TenantStore, random: Random): void {
  const active = (stream: StreamName) => [...tenant.streamOf(stream).activeRecords()].map((record) => record.id);
  const softDeleted = (stream: StreamName) => [...tenant.streamOf(stream).recordsAfter(null)].filter((r) => r.state === 'softDeleted').map((r) => r.id);
  const pick = (ids: string[]) => (ids.length > 0 ? random.pick(ids) : undefined);
  const stream = random.pick(STREAM_NAMES);
  const roll = random.next();
  try {
    if (stream === 'groups' && roll < 0.45) {
      const group = pick(active('groups'));
      if (!group) return;
      if (random.chance(0.55)) {
        const candidates = [...active('users'), ...active('users'), ...active('groups'), ...active('servicePrincipals')];
        const member = pick(candidates);
        if (member) tenant.addGroupMember(group, member);
      } else {
        const member = pick([...tenant.memberships.membersOf(group)]);
        if (member) tenant.removeGroupMember(group, member);
      }
      return;
    }
    if ((stream === 'applications' || stream === 'servicePrincipals') && roll < 0.3) {
      const holder = pick(active(stream));
      if (!holder) return;
      const properties = tenant.getObject(stream, holder);
      const existing = [...(properties?.passwordCredentials ?? []), ...(properties?.keyCredentials ?? [])];
      if (existing.length > 0 && random.chance(0.4)) tenant.removeCredential(holder, random.pick(existing).keyId);
      else if (random.chance(0.5)) tenant.addPasswordCredential(holder, { displayName: `s${random.int(0, 99)}` });
      else tenant.addKeyCredential(holder);
      return;
    }
    if (roll < 0.55) {
      const id = pick(active(stream));
      if (!id) return;
      const value = `v${random.int(0, 5)}`;
      const patches: Record<StreamName, () => void> = {
        users: () => tenant.updateObject('users', id, random.chance(0.5) ? { jobTitle: value } : random.chance(0.5) ? { displayName: value } : { city: value }),
        groups: () => tenant.updateObject('groups', id, random.chance(0.5) ? { description: value } : { displayName: value }),
        applications: () => tenant.updateObject('applications', id, random.chance(0.5) ? { notes: value } : { tags: [value] }),
        servicePrincipals: () =>
          tenant.updateObject('servicePrincipals', id, random.chance(0.5) ? { accountEnabled: random.chance(0.5) } : { homepage: value }),
      };
      patches[stream]();
    } else if (roll < 0.68) {
      const id = pick(active(stream));
      if (id) tenant.softDeleteObject(stream, id);
    } else if (roll < 0.8) {
      const id = pick(softDeleted(stream));
      if (id) tenant.restoreObject(stream, id);
    } else if (roll < 0.87) {
      const id = pick([...active(stream), ...softDeleted(stream)]);
      if (id) tenant.hardDeleteObject(stream, id);
    } else {
      const creators: Record<StreamName, () => void> = {
        users: () => tenant.createUser({ displayName: `New ${random.int(0, 999)}` }),
        groups: () => tenant.createGroup({ displayName: `Group ${random.int(0, 999)}` }),
        applications: () => tenant.createApplication({ displayName: `App ${random.int(0, 999)}` }),
        servicePrincipals: () => tenant.createServicePrincipal({ displayName: `SP ${random.int(0, 999)}` }),
      };
      creators[stream]();
    }
  } catch (error) {
    if (!(error instanceof InvalidStateError) && !(error instanceof ObjectNotFoundError)) throw error;
  }
}

function expectReplicaMatchesTruth(tenant: TenantStore, stream: StreamName, replica: Replica, select: string[] | null): void {
  const resource = RESOURCES.get(stream) as DeltaResource;
  const properties = (select ?? resource.defaultProperties).filter((name) => name !== 'members');
  const expected = new Map(
    activeObjects(tenant, stream).map((object) => {
      const stored = object as Record<string, unknown>;
      const view: Record<string, unknown> = { id: stored.id };
      for (const name of properties) view[name] = stored[name] ?? (resource.collectionProperties.has(name) ? [] : null);
      return [stored.id as string, view];
    }),
  );
  expect(new Map([...replica.objects].map(([id, object]) => [id, { ...object }]))).toEqual(expected);
  if (stream === 'groups' && select?.includes('members')) {
    const truth = new Map<string, Set<string>>();
    for (const id of expected.keys()) truth.set(id, new Set());
    for (const membership of directMemberships(tenant)) truth.get(membership.groupId)?.add(membership.memberId);
    const replicated = new Map([...expected.keys()].map((id) => [id, replica.members.get(id) ?? new Set<string>()]));
    expect(replicated).toEqual(truth);
  }
}

describe('delta replay property (in-process)', () => {
  const bases: GeneratedTenant[] = [3, 5, 8].map((seed) => generateTenant({ seed, users: 12, anchorTime: new Date(Date.UTC(2026, 0, 15)) }));

  it(`replaying ${SEQUENCES} random mutation sequences onto the initial snapshot gives the current tenant`, () => {
    for (let sequence = 0; sequence < SEQUENCES; sequence++) {
      const random = createRandom(hashSeed('delta-property', sequence));
      const settings: DeltaQuerySettings = {
        pageSize: random.int(1, 6),
        duplicates: random.chance(0.3),
        membersPerEntry: random.int(1, 4),
        changedPropertiesOnly: random.chance(0.4),
        removedInInitialRound: random.chance(0.3),
      };
      const h = harness(bases[sequence % bases.length] as GeneratedTenant, sequence, settings);
      // Mutations before the first round too, so tombstones exist for @removed-in-initial.
      for (let i = random.int(0, 3); i > 0; i--) mutate(h.tenant, random);
      const streams = STREAM_NAMES.map((stream) => ({
        stream,
        select: random.chance(0.85) ? SELECTS[stream] : null,
        replica: new Replica(),
        link: '',
      }));
      const meanwhile = () => {
        if (random.chance(0.25)) mutate(h.tenant, random);
      };
      for (const state of streams) state.link = round(h, state.stream, state.replica, initialUrl(state.stream, state.select), meanwhile);
      for (let rounds = random.int(1, 3); rounds > 0; rounds--) {
        for (let i = random.int(1, 8); i > 0; i--) mutate(h.tenant, random);
        for (const state of streams) state.link = round(h, state.stream, state.replica, state.link, meanwhile);
      }
      // A last round with the tenant holding still, then the replicas must equal the truth.
      for (const state of streams) {
        state.link = round(h, state.stream, state.replica, state.link, () => undefined);
        try {
          expectReplicaMatchesTruth(h.tenant, state.stream, state.replica, state.select);
        } catch (error) {
          throw new Error(`sequence ${sequence}, stream ${state.stream}, settings ${JSON.stringify(settings)}: ${(error as Error).message}`);
        }
      }
    }
  });
});

describe('delta replay property (over HTTPS)', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await start({ users: 30, seed: 9 });
    Object.assign(sim.deltaSettings, { pageSize: 4, duplicates: true, membersPerEntry: 3 });
  });
  afterAll(() => sim.close());

  it('converges through real HTTPS requests for a sample of sequences', async () => {
    for (let sequence = 0; sequence < 5; sequence++) {
      const random = createRandom(hashSeed('delta-property-https', sequence));
      sim.deltaSettings.changedPropertiesOnly = random.chance(0.5);
      const states = STREAM_NAMES.map((stream) => ({ stream, select: SELECTS[stream], replica: new Replica(), link: '' }));
      const walk = async (state: (typeof states)[number], url: string) => {
        let next = url;
        for (;;) {
          const page = (await rawGraph(sim, next)).body as DeltaPage;
          for (const entry of page.value) state.replica.apply(entry);
          if (page['@odata.deltaLink']) return page['@odata.deltaLink'];
          next = page['@odata.nextLink'] as string;
          if (random.chance(0.2)) mutate(sim.tenant, random);
        }
      };
      for (const state of states) state.link = await walk(state, `/${state.stream}/delta?$select=${state.select.join(',')}`);
      for (let i = 0; i < 10; i++) mutate(sim.tenant, random);
      for (const state of states) state.link = await walk(state, state.link);
      for (const state of states) {
        let next = state.link;
        for (;;) {
          const page = (await rawGraph(sim, next)).body as DeltaPage;
          for (const entry of page.value) state.replica.apply(entry);
          if (page['@odata.deltaLink']) break;
          next = page['@odata.nextLink'] as string;
        }
        expectReplicaMatchesTruth(sim.tenant, state.stream, state.replica, state.select);
      }
    }
  });
});

import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadKeyRing, type KeyRing } from '../activities/secrets/secretCipher';
import { upsertConnector } from '../activities/store/connectors';
import { createDatabase, type Database } from '../activities/store/database';
import { markLifecycleHandled, openLifecycleEvents } from '../activities/store/notificationReceipts';
import { freshClientState, recordSubscription } from '../activities/store/notificationSubscriptions';
import { startReceiver, type Receiver } from '../receiver/receiver';
import { freePort } from '../shared/freePort';
import type { Logger } from '../workers/logger';
import { tailWorkflowId } from '../workflows/ids';
import { startCuttableProxy, type CuttableProxy } from './support/cuttableProxy';
import { createTestDatabase } from './support/testDatabase';

/**
 * The notification receiver against real PostgreSQL and the Temporal dev server, each behind a
 * proxy the test can cut. Expected behaviour is Microsoft's (docs/notifications.md): the
 * validation handshake, clientState checks, 202 only for what is durably accepted.
 */

const MAX_BODY = 64 * 1024;
const TASK_QUEUE = `receiver-test-${randomBytes(3).toString('hex')}`;
const run = randomBytes(3).toString('hex');

let db: Database;
let keys: KeyRing;
let pgProxy: CuttableProxy;
let temporalProxy: CuttableProxy;
let temporal: Client;
let receiver: Receiver;
let spoolDir: string;
let databaseUrl: string;
const logLines: string[] = [];
const logSink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  },
});
const connectors: string[] = [];

type Sub = { subscriptionId: string; connectorId: string; clientState: string };

async function connectorWithSubscription(resource = '/users'): Promise<Sub> {
  const connectorId = `rcv-${run}-${connectors.length}`;
  connectors.push(connectorId);
  await upsertConnector(db, { id: connectorId, tenantId: 't', clientId: 'c', graphBaseUrl: 'https://g', authorityHost: 'https://a', discoveryEnabled: false });
  const sub = { subscriptionId: randomUUID(), connectorId, clientState: freshClientState() };
  await recordSubscription(db, keys, { subscriptionId: sub.subscriptionId, connectorId, resource, changeTypes: ['updated', 'deleted'], expiresAt: new Date(Date.now() + 86_400_000) }, sub.clientState);
  return sub;
}

/** A change notification as Graph sends one for a user (basic notification, no resource data). */
function change(sub: Sub, userId = randomUUID(), clientState = sub.clientState) {
  return {
    id: randomUUID(),
    subscriptionId: sub.subscriptionId,
    subscriptionExpirationDateTime: '2026-12-31T00:00:00Z',
    changeType: 'updated',
    clientState,
    resource: `Users/${userId}`,
    tenantId: '84bd8158-6d4d-4958-8b9f-9d6445542f95',
    resourceData: { '@odata.type': '#Microsoft.Graph.User', '@odata.id': `Users/${userId}`, id: userId, organizationId: '84bd8158-6d4d-4958-8b9f-9d6445542f95' },
  };
}

const post = (route: string, body: unknown, init: RequestInit = {}) =>
  fetch(`${receiver.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body), ...init });

async function timedPost(route: string, body: unknown): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const response = await post(route, body);
  await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - started };
}

async function receiptCount(subscriptionId: string, extra = 'true'): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from notification_receipts where subscription_id = $1 and ${extra}`, [subscriptionId]);
  return rows[0]!.n;
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The `trigger` signals in the tail's history, as the tail would receive them. */
async function tailSignals(connectorId: string): Promise<{ reason: string }[]> {
  try {
    const history = await temporal.workflow.getHandle(tailWorkflowId(connectorId)).fetchHistory();
    return (history.events ?? [])
      .filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'trigger')
      .map((e) => defaultPayloadConverter.fromPayload<{ reason: string }>(e.workflowExecutionSignaledEventAttributes!.input!.payloads![0]!));
  } catch {
    return [];
  }
}

const metricValue = async (series: string) => {
  const text = await (await fetch(`${receiver.metricsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(series));
  return line ? Number(line.slice(series.length).trim()) : 0;
};

/** The receiver under test: PostgreSQL and Temporal behind the cuttable proxies, logs captured. */
async function openReceiver(): Promise<Receiver> {
  const proxied = new URL(databaseUrl);
  proxied.host = pgProxy.address;
  return startReceiver({
    port: 0,
    host: '127.0.0.1',
    maxBodyBytes: MAX_BODY,
    spoolDir,
    databaseUrl: proxied.toString(),
    keys,
    temporal: { address: temporalProxy.address, namespace: 'default', taskQueue: TASK_QUEUE, security: { tls: false } },
    metrics: { port: await freePort(), host: '127.0.0.1' },
    log: pino({ level: 'debug' }, logSink) as unknown as Logger,
    // Lookups go to PostgreSQL often, so the outage tests exercise the stale fallback, not a fresh cache.
    timing: { lookupTimeoutMs: 300, knownTtlMs: 100, forwardIntervalMs: 50, maxBackoffMs: 500, signalDeadlineMs: 2_000 },
  });
}

beforeAll(async () => {
  databaseUrl = await createTestDatabase(inject('postgresUrl'), 'receiver');
  db = createDatabase(databaseUrl);
  keys = loadKeyRing({ ENTRA_SYNC_ENCRYPTION_KEY: randomBytes(32).toString('base64') })!;
  pgProxy = await startCuttableProxy(databaseUrl);
  temporalProxy = await startCuttableProxy(inject('temporalAddress'));
  temporal = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
  spoolDir = await mkdtemp(path.join(os.tmpdir(), 'receiver-spool-'));
  receiver = await openReceiver();
});

afterAll(async () => {
  await receiver?.close();
  for (const id of connectors) await temporal?.workflow.getHandle(tailWorkflowId(id)).terminate('test over').catch(() => undefined);
  await temporal?.connection.close();
  await pgProxy?.close();
  await temporalProxy?.close();
  await db?.end();
  if (spoolDir) await rm(spoolDir, { recursive: true, force: true });
});

describe('the validation handshake', () => {
  it('answers 200 with the decoded token as text/plain on both endpoints, even while PostgreSQL is down', async () => {
    // The token's form in Microsoft's docs: URL-encoded text with spaces and colons.
    const token = 'Validation: Testing client application reachability for subscription Request-Id: 0c8e6f3e-4a9e-4c6f-b0b5-2f1f3f3e9f10';
    pgProxy.cut();
    try {
      for (const route of ['/notifications', '/lifecycle']) {
        const response = await fetch(`${receiver.url}${route}?validationToken=${encodeURIComponent(token)}`, { method: 'POST', headers: { 'content-type': 'text/plain' } });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
        expect(await response.text()).toBe(token);
      }
    } finally {
      pgProxy.restore();
    }
  });
});

describe('change notifications', () => {
  it('answers 202, records a notification once though Graph delivers it twice, and signals the tail', async () => {
    const sub = await connectorWithSubscription();
    const first = change(sub);
    const second = change(sub);
    for (const body of [{ value: [first] }, { value: [first] }, { value: [second] }]) expect((await timedPost('/notifications', body)).status).toBe(202);
    await receiver.forwarder.pass();
    await receiver.forwarder.pass();
    // Two distinct notifications, one of them delivered twice: two receipts.
    expect(await receiptCount(sub.subscriptionId)).toBe(2);
    const signals = await until('the tail signal', async () => {
      const s = await tailSignals(sub.connectorId);
      return s.length ? s : undefined;
    });
    expect(signals[0]!.reason).toMatch(/change notification/);
    await until('receipts marked signalled', async () => (await receiptCount(sub.subscriptionId, 'signalled_at is not null')) === 2);
  });

  it('signals the tail again for a notification identical to one already signalled: Graph sends a user changed twice so, without an id', async () => {
    const sub = await connectorWithSubscription();
    const userId = randomUUID();
    // Microsoft's directory notifications carry no id: a second change to the user is the same JSON.
    const { id: _id, ...again } = change(sub, userId);
    const signalsAfterPost = async (expected: number) => {
      expect((await timedPost('/notifications', { value: [again] })).status).toBe(202);
      await receiver.forwarder.pass();
      return until(`signal ${expected}`, async () => ((await tailSignals(sub.connectorId)).length >= expected ? true : undefined));
    };
    await signalsAfterPost(1);
    await until('the receipt marked signalled', async () => (await receiptCount(sub.subscriptionId, 'signalled_at is not null')) === 1);
    await signalsAfterPost(2);
    expect(await receiptCount(sub.subscriptionId), 'still one receipt').toBe(1);
  });

  it('refuses a forged clientState with 403, records nothing, and logs it without any clientState', async () => {
    const sub = await connectorWithSubscription();
    const forged = `forged-${randomBytes(16).toString('hex')}`;
    const response = await post('/notifications', { value: [change(sub), change(sub, undefined, forged)] });
    expect(response.status).toBe(403);
    const missing = change(sub) as Partial<ReturnType<typeof change>>;
    delete missing.clientState;
    expect((await post('/notifications', { value: [missing] })).status).toBe(403);
    await receiver.forwarder.pass();
    expect(await receiptCount(sub.subscriptionId)).toBe(0);
    const refused = logLines.filter((l) => l.includes('notification request refused') && l.includes(sub.subscriptionId));
    expect(refused).toHaveLength(2);
    expect(JSON.parse(refused[0]!)).toMatchObject({ status: 403, reason: 'clientState does not match', subscriptionId: sub.subscriptionId });
    for (const line of logLines) {
      expect(line).not.toContain(forged);
      expect(line).not.toContain(sub.clientState);
    }
  });

  it('refuses an oversized body with 413 and a malformed one with 400, recording nothing', async () => {
    const sub = await connectorWithSubscription();
    const big = { value: [{ ...change(sub), padding: 'x'.repeat(MAX_BODY) }] };
    expect((await post('/notifications', big)).status).toBe(413);
    // Chunked, without a length up front: cut off once the limit is passed.
    const text = JSON.stringify(big);
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < text.length; i += 8_192) controller.enqueue(new TextEncoder().encode(text.slice(i, i + 8_192)));
        controller.close();
      },
    });
    const streamed = await fetch(`${receiver.url}/notifications`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chunked, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
    const malformed: unknown[] = [
      '{"value": [',
      { value: [] },
      { notifications: [change(sub)] },
      { value: [{ ...change(sub), lifecycleEvent: 'missed' }] },
      { value: [{ ...change(sub), changeType: 'exploded' }] },
      { value: [{ ...change(sub), clientState: 'c'.repeat(129) }] },
    ];
    for (const body of malformed) expect((await post('/notifications', body)).status, JSON.stringify(body).slice(0, 80)).toBe(400);
    await receiver.forwarder.pass();
    expect(await receiptCount(sub.subscriptionId)).toBe(0);
    expect(await metricValue('entra_sync_receiver_requests_refused_total{reason="body too large"}')).toBeGreaterThanOrEqual(1);
  });

  it('drops and counts notifications for subscriptions that are not ours, answering 202', async () => {
    const before = await metricValue('entra_sync_receiver_notifications_dropped_total{reason="unknownSubscription"}');
    const stranger = { subscriptionId: randomUUID(), connectorId: 'nobody', clientState: freshClientState() };
    expect((await post('/notifications', { value: [change(stranger), change(stranger)] })).status).toBe(202);
    await receiver.forwarder.pass();
    expect(await receiptCount(stranger.subscriptionId)).toBe(0);
    expect(await metricValue('entra_sync_receiver_notifications_dropped_total{reason="unknownSubscription"}')).toBe(before + 2);
  });
});

/** Graph's lifecycle notification as Microsoft documents it: no id, so a repeat is the same JSON. */
const reauthorizationRequired = (sub: { subscriptionId: string; clientState: string }, expiry: string) => ({
  subscriptionId: sub.subscriptionId,
  subscriptionExpirationDateTime: expiry,
  tenantId: '84bd8158-6d4d-4958-8b9f-9d6445542f95',
  clientState: sub.clientState,
  lifecycleEvent: 'reauthorizationRequired',
});

describe('lifecycle notifications', () => {
  it('records reauthorizationRequired for the subscription manager and signals the tail with that reason', async () => {
    const sub = await connectorWithSubscription('/groups');
    const lifecycle = reauthorizationRequired(sub, '2026-12-31T00:00:00Z');
    expect((await post('/lifecycle', { value: [lifecycle] })).status).toBe(202);
    expect((await post('/lifecycle', { value: [lifecycle] })).status).toBe(202);
    await receiver.forwarder.pass();
    const open = await openLifecycleEvents(db, sub.connectorId);
    expect(open.map((e) => [e.subscriptionId, e.event])).toEqual([[sub.subscriptionId, 'reauthorizationRequired']]);
    const signals = await until('the lifecycle signal', async () => {
      const s = await tailSignals(sub.connectorId);
      return s.length ? s : undefined;
    });
    expect(signals.map((s) => s.reason)).toEqual(['lifecycle notification: reauthorizationRequired']);
  });

  it('opens a reauthorizationRequired again when Graph repeats it after the manager handled the first: the same JSON, later', async () => {
    const sub = await connectorWithSubscription('/groups');
    // Graph challenges again (reauthorizing does not move the expiry), so the repeat is the same notification.
    const lifecycle = reauthorizationRequired(sub, '2026-12-30T00:00:00Z');
    expect((await post('/lifecycle', { value: [lifecycle] })).status).toBe(202);
    await receiver.forwarder.pass();
    const first = await openLifecycleEvents(db, sub.connectorId);
    expect(first).toHaveLength(1);
    await until('the first challenge signalled', async () => (await receiptCount(sub.subscriptionId, 'signalled_at is not null')) === 1);
    await markLifecycleHandled(db, first.map((e) => e.dedupeKey));
    expect(await openLifecycleEvents(db, sub.connectorId)).toEqual([]);
    expect((await post('/lifecycle', { value: [lifecycle] })).status).toBe(202);
    await receiver.forwarder.pass();
    expect((await openLifecycleEvents(db, sub.connectorId)).map((e) => e.event)).toEqual(['reauthorizationRequired']);
    await until('the repeat signalled', async () => ((await tailSignals(sub.connectorId)).length >= 2 ? true : undefined));
    expect(await receiptCount(sub.subscriptionId), 'still one receipt').toBe(1);
  });
});

describe('outages', () => {
  it('answers 202 within 3 s while PostgreSQL is down or hangs, and records every accepted notification once it is back', async () => {
    const sub = await connectorWithSubscription();
    // The receiver has read this subscription before the outage.
    expect((await post('/notifications', { value: [change(sub)] })).status).toBe(202);
    await until('the first receipt', async () => (await receiptCount(sub.subscriptionId)) === 1);
    const sent: ReturnType<typeof change>[] = [];
    for (const outage of ['cut', 'stall'] as const) {
      const recordedBefore = await receiptCount(sub.subscriptionId);
      pgProxy[outage]();
      // Past the cache's freshness, so each request asks PostgreSQL and falls back to what it knew.
      await new Promise((r) => setTimeout(r, 150));
      for (let i = 0; i < 10; i++) {
        const n = change(sub);
        const answer = await timedPost('/notifications', { value: [n] });
        expect(answer.status).toBe(202);
        // Microsoft's budget for an answer is 3 seconds.
        expect(answer.ms).toBeLessThan(3_000);
        sent.push(n);
      }
      const health = (await (await fetch(`${receiver.metricsUrl}/healthz`)).json()) as { ok: boolean; spoolSegmentsWaiting: number };
      expect(health.ok).toBe(true);
      expect(await receiptCount(sub.subscriptionId)).toBe(recordedBefore);
      pgProxy.restore();
      await until('the spooled receipts recorded', async () => (await receiptCount(sub.subscriptionId)) === 1 + sent.length);
    }
    await receiver.forwarder.pass();
    expect(await receiptCount(sub.subscriptionId)).toBe(21);
  });

  it('keeps what it answered 202 for across a restart while PostgreSQL is down (the spool is on disk)', async () => {
    const sub = await connectorWithSubscription();
    expect((await post('/notifications', { value: [change(sub)] })).status).toBe(202);
    await until('the first receipt', async () => (await receiptCount(sub.subscriptionId)) === 1);
    pgProxy.cut();
    try {
      await new Promise((r) => setTimeout(r, 150));
      for (let i = 0; i < 5; i++) expect((await post('/notifications', { value: [change(sub)] })).status).toBe(202);
      // Stopped before anything reached PostgreSQL: only the spool holds these five.
      await receiver.close();
    } finally {
      pgProxy.restore();
    }
    expect(await receiptCount(sub.subscriptionId)).toBe(1);
    receiver = await openReceiver();
    await until('the spooled receipts recorded after the restart', async () => (await receiptCount(sub.subscriptionId)) === 6);
  });

  it('keeps receipts unsignalled while Temporal is down and signals the tail once it is back', async () => {
    const sub = await connectorWithSubscription();
    temporalProxy.cut();
    try {
      const failedBefore = await metricValue('entra_sync_receiver_tail_signals_total{result="failed"}');
      expect((await post('/notifications', { value: [change(sub)] })).status).toBe(202);
      await until('the receipt recorded', async () => (await receiptCount(sub.subscriptionId)) === 1);
      await until('a failed signal', async () => (await metricValue('entra_sync_receiver_tail_signals_total{result="failed"}')) > failedBefore);
      expect(await receiptCount(sub.subscriptionId, 'signalled_at is null')).toBe(1);
      expect(await tailSignals(sub.connectorId)).toEqual([]);
    } finally {
      temporalProxy.restore();
    }
    await until('the receipt signalled', async () => (await receiptCount(sub.subscriptionId, 'signalled_at is not null')) === 1);
    expect((await tailSignals(sub.connectorId)).map((s) => s.reason)).toEqual(['change notification (1)']);
  });
});

import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { msNumberToTs } from '@temporalio/common/lib/time';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { applySyncSchedule } from '../client/schedules';

const tag = `launch${randomBytes(3).toString('hex')}`;
const schedule = { connectorId: tag, tenantId: 'tenant', taskQueue: `${tag}-queue`, intervalMs: 3_600_000, startPaused: true };

let connection: Connection;

/** `npm start` against a Temporal it did not start: the errors keep their cause and name the fix. */
describe('the launcher applying its schedule', () => {
  beforeAll(async () => {
    connection = await Connection.connect({ address: inject('temporalAddress') });
  });

  afterAll(async () => {
    await connection?.close();
  });

  it('names the missing TenantId search attribute and how to register it', async () => {
    // A namespace of its own, created without the search attribute.
    const namespace = `${tag}-bare`;
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msNumberToTs(86_400_000) });
    const client = new Client({ connection, namespace });
    let failure: Error | undefined;
    // A new namespace takes a moment to reach the frontend.
    for (let attempt = 0; attempt < 20; attempt++) {
      failure = await applySyncSchedule(client, schedule).then(
        () => undefined,
        (err: Error) => err,
      );
      if (!failure || !/does not exist/.test(failure.message)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(failure?.message).toMatch(new RegExp(`namespace ${namespace} .*search attribute TenantId`, 'i'));
    expect(failure?.message).toContain('entra-sync temporal setup');
    expect(failure?.message).toContain(`temporal operator search-attribute create --name TenantId --type Keyword --namespace ${namespace} --address ${inject('temporalAddress')}`);
  });

  it('names a namespace that does not exist and how to create it', async () => {
    const namespace = `${tag}-nowhere`;
    const failure = await applySyncSchedule(new Client({ connection, namespace }), schedule).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(failure?.message).toContain(`namespace ${namespace} does not exist`);
    expect(failure?.message).toContain('entra-sync temporal setup --create-namespace');
  });
});

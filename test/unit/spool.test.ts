import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { NotificationReceipt } from '../../activities/store/notificationReceipts';
import { Spool } from '../../receiver/spool';

const receipt = (i: number): NotificationReceipt => ({ dedupeKey: `k${i}`, connectorId: 'c', subscriptionId: 's', event: 'changed', receivedAt: new Date(0).toISOString() });

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** What the forwarder does with the spool, without PostgreSQL: take every sealed segment, then delete it. */
async function drain(spool: Spool, into: string[]): Promise<void> {
  await spool.seal();
  for (const segment of await spool.sealedSegments()) {
    into.push(...(await spool.readSegment(segment)).map((r) => r.dedupeKey));
    await spool.removeSegment(segment);
  }
}

describe('the receiver spool', () => {
  it('hands every acknowledged receipt to the forwarder exactly once while appends and drains interleave', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'spool-'));
    const spool = await Spool.open(dir);
    const taken: string[] = [];
    let appending = true;
    const drains = (async () => {
      while (appending) await drain(spool, taken);
    })();
    const acknowledged: string[] = [];
    await Promise.all(
      Array.from({ length: 1_000 }, async (_, i) => {
        // Spread the appends over many segments and drains.
        await new Promise((r) => setTimeout(r, i % 100));
        await spool.append([receipt(i)]);
        acknowledged.push(`k${i}`);
      }),
    );
    appending = false;
    await drains;
    await drain(spool, taken);
    expect(taken.sort()).toEqual(acknowledged.sort());
    expect(await spool.sealedSegments()).toEqual([]);
  });

  it('skips a torn last line (a crash mid-write, never acknowledged) and keeps the lines before it', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'spool-'));
    const spool = await Spool.open(dir);
    await spool.append([receipt(1), receipt(2)]);
    await spool.seal();
    const [segment] = await spool.sealedSegments();
    await appendFile(segment!, '{"dedupeKey":"k3","connec');
    expect((await spool.readSegment(segment!)).map((r) => r.dedupeKey)).toEqual(['k1', 'k2']);
  });
});

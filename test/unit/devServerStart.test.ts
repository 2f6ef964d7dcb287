import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTemporalDevServer } from '../../client/dev/temporalDevServer';
import { freePort } from '../../shared/freePort';

// The dev server picks ports for its internal services as it starts; when another process takes
// one first it logs "bind: address already in use" and exits. A stand-in CLI that always does so
// shows the launcher starting it again, and giving up with the log's path after its attempts.

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function fakeCli(log: string): Promise<{ cliPath: string; starts: () => Promise<number> }> {
  dir = await mkdtemp(path.join(os.tmpdir(), 'entra-fake-temporal-'));
  const counter = path.join(dir, 'starts');
  const cliPath = path.join(dir, 'temporal');
  await writeFile(cliPath, `#!/bin/sh\necho start >> '${counter}'\necho '${log}'\nexit 2\n`);
  await chmod(cliPath, 0o755);
  return { cliPath, starts: async () => (await readFile(counter, 'utf8')).trim().split('\n').length };
}

describe('starting the Temporal dev server', () => {
  it('starts again when a port it picked was taken meanwhile, and names its log when it never comes up', async () => {
    const { cliPath, starts } = await fakeCli('level=ERROR msg="Failed to start gRPC listener" error="listen tcp 127.0.0.1:1: bind: address already in use"');
    const start = startTemporalDevServer({ dataDir: dir!, namespace: 'default', cliPath, port: await freePort(), headless: true });
    await expect(start).rejects.toThrow(/exited with code 2 while starting; its log .*temporal-\d+\.log says why/);
    expect(await starts()).toBe(3);
  });

  it('does not start again when it failed for another reason', async () => {
    const { cliPath, starts } = await fakeCli('unknown flag: --search-attribute');
    const start = startTemporalDevServer({ dataDir: dir!, namespace: 'default', cliPath, port: await freePort(), headless: true });
    await expect(start).rejects.toThrow(/exited with code 2 while starting/);
    expect(await starts()).toBe(1);
  });
});

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, METADATA_ENCODING_KEY } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../shared/freePort';
import { dataConverterFromEnv, ENCRYPTED_ENCODING, payloadCodecFromEnv } from '../workers/codec';

const KEY = randomBytes(32).toString('base64');
const env = { ENTRA_SYNC_PAYLOAD_KEY: KEY };
const codec = payloadCodecFromEnv(env)!;
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');

describe('payload encryption codec', () => {
  it('seals payloads (metadata included) and opens them again; plain payloads pass through', async () => {
    const payload = defaultPayloadConverter.toPayload({ connectorId: 'contoso-prod' });
    const [sealed] = await codec.encode([payload]);
    expect(text(sealed!.metadata![METADATA_ENCODING_KEY])).toBe(ENCRYPTED_ENCODING);
    expect(text(sealed!.data)).not.toContain('contoso');
    expect(text(sealed!.data)).not.toContain('json/plain');
    const [opened] = await codec.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual({ connectorId: 'contoso-prod' });
    expect(await codec.decode([payload])).toEqual([payload]);
  });

  it('names the variable to set when a payload was sealed with another key', async () => {
    const [sealed] = await payloadCodecFromEnv({ ENTRA_SYNC_PAYLOAD_KEY: randomBytes(32).toString('base64') })!.encode([defaultPayloadConverter.toPayload(1)]);
    await expect(codec.decode([sealed!])).rejects.toThrow(/set ENTRA_SYNC_PAYLOAD_KEY \(or ENTRA_SYNC_PAYLOAD_KEY_PREVIOUS\) to the key that sealed it/);
    expect(dataConverterFromEnv({})).toBeUndefined();
  });

  it('keeps workflow inputs out of Temporal history in clear text', async () => {
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const client = new Client({ connection, dataConverter: dataConverterFromEnv(env) });
      // Nobody polls this queue: the start event alone is what is checked.
      const handle = await client.workflow.start('EntraSyncWorkflow', {
        taskQueue: `codec-${randomBytes(3).toString('hex')}`,
        workflowId: `codec-test-${randomBytes(3).toString('hex')}`,
        args: [{ connectorId: 'contoso-prod' }],
      });
      const history = await handle.fetchHistory();
      await handle.terminate('test done');
      const input = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
      expect(text(input.metadata![METADATA_ENCODING_KEY])).toBe(ENCRYPTED_ENCODING);
      expect(JSON.stringify(history)).not.toContain('contoso-prod');
    } finally {
      await connection.close();
    }
  });
});

describe('entra-sync codec-server', () => {
  let server: ChildProcessWithoutNullStreams;
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    server = spawn(process.execPath, ['client/cli/bin.mjs', 'codec-server', '--port', String(port), '--cors-origin', 'http://ui.example:8080'], {
      env: { PATH: process.env.PATH, ...env },
    });
    await new Promise<void>((resolve, reject) => {
      server.stdout.on('data', (d: Buffer) => d.toString().includes('codec server on') && resolve());
      server.once('exit', (code) => reject(new Error(`codec-server exited with ${code}`)));
    });
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(() => {
    server?.kill('SIGTERM');
  });

  it('encodes and decodes the Web UI way, with CORS for the UI origin only', async () => {
    const plain = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"hello"').toString('base64') };
    const post = (path: string, body: unknown) =>
      fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://ui.example:8080', 'x-namespace': 'default' }, body: JSON.stringify(body) });
    const encoded = await post('/encode', { payloads: [plain] });
    expect(encoded.status).toBe(200);
    expect(encoded.headers.get('access-control-allow-origin')).toBe('http://ui.example:8080');
    const { payloads } = (await encoded.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(Buffer.from(payloads[0]!.metadata.encoding!, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
    const decoded = (await (await post('/decode', { payloads })).json()) as { payloads: unknown[] };
    expect(decoded.payloads).toEqual([plain]);

    const preflight = await fetch(`${base}/decode`, { method: 'OPTIONS', headers: { origin: 'http://ui.example:8080', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('x-namespace');
    const stranger = await fetch(`${base}/decode`, { method: 'POST', headers: { origin: 'http://evil.example' }, body: JSON.stringify({ payloads: [] }) });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    expect((await post('/decode', { nope: 1 })).status).toBe(400);
  });
});

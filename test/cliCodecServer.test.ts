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

const TOKEN = randomBytes(16).toString('hex');

/** Starts `entra-sync codec-server ARGS`; resolves once it listens, rejects with its stderr if it exits. */
function startCodecServerCli(args: string[], extraEnv: Record<string, string> = {}): Promise<ChildProcessWithoutNullStreams> {
  const child = spawn(process.execPath, ['client/cli/bin.mjs', 'codec-server', ...args], { env: { PATH: process.env.PATH, ...env, ...extraEnv } });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('codec server on') && resolve(child));
    child.once('exit', (code) => reject(new Error(`codec-server exited with ${code}: ${stderr}`)));
  });
}

describe('entra-sync codec-server', () => {
  let server: ChildProcessWithoutNullStreams;
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    server = await startCodecServerCli(['--port', String(port), '--cors-origin', 'http://ui.example:8080', '--enable-encode'], { ENTRA_SYNC_CODEC_TOKEN: TOKEN });
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(() => {
    server?.kill('SIGTERM');
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://ui.example:8080', 'x-namespace': 'default', ...headers },
      body: JSON.stringify(body),
    });

  it('encodes and decodes the Web UI way, with CORS for the UI origin only', async () => {
    const plain = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"hello"').toString('base64') };
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
    const stranger = await post('/decode', { payloads: [] }, { authorization: `Bearer ${TOKEN}`, origin: 'http://evil.example' });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
    expect((await post('/decode', { nope: 1 })).status).toBe(400);
  });

  it('answers 401 without the bearer token, or with another one', async () => {
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload('secret-ish')]);
    const body = { payloads: [{ metadata: { encoding: Buffer.from(sealed!.metadata!.encoding!).toString('base64') }, data: Buffer.from(sealed!.data!).toString('base64') }] };
    for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: TOKEN }] as Record<string, string>[]) {
      const refused = await post('/decode', body, headers);
      expect(refused.status).toBe(401);
      expect(await refused.text()).not.toContain('secret-ish');
    }
  });

  it('serves /decode alone unless --enable-encode, and refuses to start unsafely', async () => {
    const port = await freePort();
    const decodeOnly = await startCodecServerCli(['--port', String(port)]);
    try {
      const encode = await fetch(`http://127.0.0.1:${port}/encode`, { method: 'POST', body: JSON.stringify({ payloads: [] }) });
      expect(encode.status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/decode`, { method: 'POST', body: JSON.stringify({ payloads: [] }) })).status).toBe(200);
    } finally {
      decodeOnly.kill('SIGTERM');
    }
    await expect(startCodecServerCli(['--port', '0', '--cors-origin', '*'])).rejects.toThrow(/--cors-origin '\*' would let any web page decode payloads/);
    await expect(startCodecServerCli(['--port', '0', '--host', '0.0.0.0'])).rejects.toThrow(/without a bearer token .*set ENTRA_SYNC_CODEC_TOKEN, or listen on 127\.0\.0\.1/);
  });
});

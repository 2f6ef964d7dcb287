import { METADATA_ENCODING_KEY, type DataConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { AUTH_TAG_BYTES, KeyRing, loadKeyRing, NONCE_BYTES, type KeyRingVariables } from '../activities/secrets/secretCipher';

/**
 * Optional payload encryption: workflow inputs, results, heartbeats, queries and failures' details
 * leave the process sealed with AES-256-GCM, so Temporal's history holds ciphertext only. The
 * Web UI shows them through the codec server (`entra-sync codec-server`) to operators with the key.
 */
export const PAYLOAD_KEY_VARIABLES: KeyRingVariables = {
  current: 'ENTRA_SYNC_PAYLOAD_KEY',
  previous: 'ENTRA_SYNC_PAYLOAD_KEY_PREVIOUS',
};

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const CONTEXT = 'entra-sync/temporal-payload';

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));

/** A payload, metadata and data, as bytes: JSON with base64 values (small payloads only pass here). */
function payloadToBytes(p: Payload): Buffer {
  const metadata = Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]));
  return Buffer.from(JSON.stringify({ metadata, data: Buffer.from(p.data ?? new Uint8Array()).toString('base64') }), 'utf8');
}

function bytesToPayload(bytes: Buffer): Payload {
  const parsed = JSON.parse(bytes.toString('utf8')) as { metadata: Record<string, string>; data: string };
  return {
    metadata: Object.fromEntries(Object.entries(parsed.metadata).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
    data: new Uint8Array(Buffer.from(parsed.data, 'base64')),
  };
}

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: KeyRing) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      const sealed = this.keys.sealBytes(payloadToBytes(p), CONTEXT);
      return {
        metadata: { [METADATA_ENCODING_KEY]: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(sealed.keyId) },
        data: new Uint8Array(Buffer.concat([sealed.nonce, sealed.authTag, sealed.ciphertext])),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      const encoding = p.metadata?.[METADATA_ENCODING_KEY];
      // Payloads written before encryption was turned on stay readable.
      if (!encoding || Buffer.from(encoding).toString('utf8') !== ENCRYPTED_ENCODING) return p;
      const keyId = Buffer.from(p.metadata?.[KEY_ID_METADATA] ?? new Uint8Array()).toString('utf8');
      const data = Buffer.from(p.data ?? new Uint8Array());
      const sealed = {
        keyId,
        nonce: data.subarray(0, NONCE_BYTES),
        authTag: data.subarray(NONCE_BYTES, NONCE_BYTES + AUTH_TAG_BYTES),
        ciphertext: data.subarray(NONCE_BYTES + AUTH_TAG_BYTES),
      };
      try {
        return bytesToPayload(this.keys.openBytes(sealed, CONTEXT));
      } catch (err) {
        throw new Error(
          `a Temporal payload ${(err as Error).message}; set ${PAYLOAD_KEY_VARIABLES.current} (or ${PAYLOAD_KEY_VARIABLES.previous}) to the key that sealed it`,
        );
      }
    });
  }
}

/** The codec from ENTRA_SYNC_PAYLOAD_KEY, or undefined when payload encryption is off. */
export function payloadCodecFromEnv(env: NodeJS.ProcessEnv = process.env): EncryptionCodec | undefined {
  const keys = loadKeyRing(env, PAYLOAD_KEY_VARIABLES);
  return keys ? new EncryptionCodec(keys) : undefined;
}

/** The data converter of every client and worker: the default one, plus encryption when configured. */
export function dataConverterFromEnv(env: NodeJS.ProcessEnv = process.env): DataConverter | undefined {
  const codec = payloadCodecFromEnv(env);
  return codec ? { payloadCodecs: [codec] } : undefined;
}

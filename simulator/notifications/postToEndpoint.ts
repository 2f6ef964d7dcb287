import https from 'node:https';

export type EndpointAnswer =
  | { kind: 'answered'; status: number; contentType: string; body: string; durationMs: number }
  | { kind: 'timedOut'; durationMs: number }
  /** `certificateError`: the endpoint's certificate did not verify against `ca`. */
  | { kind: 'failed'; error: string; durationMs: number; certificateError?: boolean };

/**
 * POSTs to a subscriber's HTTPS endpoint, giving up after `timeoutMs`. `ca`: the authorities
 * its certificate may chain to; Node's defaults (with NODE_EXTRA_CA_CERTS) when omitted.
 */
export function postToEndpoint(url: string, body: string, contentType: string, timeoutMs: number, ca?: string[]): Promise<EndpointAnswer> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    const settle = (answer: EndpointAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    const request = https.request(url, {
      method: 'POST',
      headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body) },
      agent: false,
      ...(ca ? { ca } : {}),
    });
    const timer = setTimeout(() => {
      settle({ kind: 'timedOut', durationMs: elapsed() });
      request.destroy();
    }, timeoutMs);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        settle({
          kind: 'answered',
          status: response.statusCode ?? 0,
          contentType: String(response.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks).toString('utf8'),
          durationMs: elapsed(),
        }),
      );
      response.on('error', (error) => settle({ kind: 'failed', error: error.message, durationMs: elapsed() }));
    });
    request.on('error', (error: NodeJS.ErrnoException) =>
      settle({ kind: 'failed', error: error.message, durationMs: elapsed(), certificateError: /CERT|SIGNATURE/.test(error.code ?? '') }),
    );
    request.end(body);
  });
}

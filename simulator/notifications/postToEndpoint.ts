import https from 'node:https';

export type EndpointAnswer =
  | { kind: 'answered'; status: number; contentType: string; body: string; durationMs: number }
  | { kind: 'timedOut'; durationMs: number }
  | { kind: 'failed'; error: string; durationMs: number };

/**
 * POSTs to a subscriber's HTTPS endpoint, giving up after `timeoutMs`. The endpoint's
 * certificate is trusted the way every HTTPS client of this process is (NODE_EXTRA_CA_CERTS).
 */
export function postToEndpoint(url: string, body: string, contentType: string, timeoutMs: number): Promise<EndpointAnswer> {
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
    request.on('error', (error) => settle({ kind: 'failed', error: error.message, durationMs: elapsed() }));
    request.end(body);
  });
}

import { postToEndpoint, type EndpointAnswer } from './postToEndpoint';

/**
 * How the service trusts a subscriber's HTTPS endpoint: as every TLS client of the process does
 * (public roots and NODE_EXTRA_CA_CERTS), and failing that the simulator's own certificate, so a
 * receiver on localhost may reuse it. Tried in turn, not together: self-signed localhost
 * certificates share a subject, and the verifier stops at the first authority of that name.
 * What worked for an origin is tried first next time.
 */
export class EndpointTrust {
  private readonly alternatives: Array<string[] | undefined>;
  private readonly chosen = new Map<string, number>();

  constructor(simulatorCertificate?: string) {
    this.alternatives = simulatorCertificate ? [undefined, [simulatorCertificate]] : [undefined];
  }

  async post(url: string, body: string, contentType: string, timeoutMs: number): Promise<EndpointAnswer> {
    const origin = new URL(url).origin;
    const first = this.chosen.get(origin) ?? 0;
    let answer: EndpointAnswer | undefined;
    for (let step = 0; step < this.alternatives.length; step++) {
      const index = (first + step) % this.alternatives.length;
      answer = await postToEndpoint(url, body, contentType, timeoutMs, this.alternatives[index]);
      if (answer.kind !== 'failed' || !answer.certificateError) {
        this.chosen.set(origin, index);
        return answer;
      }
    }
    return answer as EndpointAnswer;
  }
}

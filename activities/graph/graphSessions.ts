import { ApplicationFailure } from '@temporalio/common';
import type { TokenCredential } from '@azure/identity';
import type { Client } from '@microsoft/microsoft-graph-client';
import type { Connector } from '../store/connectors';
import type { SecretStore } from '../secrets/secretStore';
import { createCredential, createGraphClient, GRAPH_SCOPE, type GraphTraffic } from './graphClient';
import { explainAuthorityFailure, isEndpointResolutionError } from './authorityDiscovery';
import { GraphCallError } from './graphCallError';
import { authenticationFailure } from './graphErrors';
import { FailureKind } from '../../shared/failureKinds';

export type GraphSession = {
  client: Client;
  traffic: GraphTraffic;
  /** Wraps what a call of `what` (at `link`, else the connector's endpoint) threw, naming the call. */
  failed(err: unknown, what: string, link?: string): GraphCallError;
};

/**
 * Opens authenticated Graph sessions for activities. Credentials are cached per connector and
 * secret, so MSAL's token cache serves every activity of the worker.
 */
export class GraphSessions {
  private readonly credentials = new Map<string, { secret: string; credential: TokenCredential }>();

  constructor(private readonly secrets: SecretStore) {}

  async open(connector: Connector, permission: string): Promise<GraphSession> {
    const secret = await this.secrets.clientSecret(connector.id);
    if (!secret) {
      throw ApplicationFailure.create({
        type: FailureKind.MissingClientSecret,
        nonRetryable: true,
        message: `This worker has no client secret for connector ${connector.id}; set ENTRA_CLIENT_SECRET for the worker process`,
      });
    }
    const redact = (text: string) => text.split(secret).join('[redacted]');
    let cached = this.credentials.get(connector.id);
    if (!cached || cached.secret !== secret) {
      cached = { secret, credential: createCredential({ ...connector, clientSecret: secret }) };
      this.credentials.set(connector.id, cached);
    }
    // Authenticate up front: a bad secret surfaces here as the identity library's structured
    // error, which the Graph client would flatten into a message.
    try {
      await cached.credential.getToken(GRAPH_SCOPE);
    } catch (err) {
      // An unknown tenant fails in MSAL's endpoint discovery, which hides the AADSTS code: ask again.
      const explained = isEndpointResolutionError(err) ? await explainAuthorityFailure(connector.authorityHost, connector.tenantId) : undefined;
      const failure = authenticationFailure(explained ?? err, { tenantId: connector.tenantId, clientId: connector.clientId, permission });
      failure.message = redact(failure.message);
      throw failure;
    }
    const traffic: GraphTraffic = { requests: 0, throttled: 0 };
    const call = { tenantId: connector.tenantId, clientId: connector.clientId, permission };
    return {
      client: createGraphClient(cached.credential, connector.graphBaseUrl, traffic),
      traffic,
      failed: (err, what, link = connector.graphBaseUrl) => new GraphCallError(err, { ...call, what, endpoint: new URL(link).origin }, redact),
    };
  }
}

import type { TokenCredential } from '@azure/identity';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@microsoft/microsoft-graph-client';
import type { Connector } from '../store/connectors';
import type { SecretStore } from '../secrets/secretStore';
import { createGraphClient, type GraphTraffic } from './graphClient';
import { explainAuthorityFailure, isEndpointResolutionError } from './authorityDiscovery';
import { GraphCallError } from './graphCallError';
import { authenticationFailure } from './graphErrors';
import { connectorMaterial } from './credentials/connectorMaterial';
import { createCredential } from './credentials/createCredential';
import { credentialFingerprint } from './credentials/credentialFingerprint';
import { redactor } from './credentials/credentialMaterial';
import { graphScope } from '../../shared/clouds';

export type GraphSession = {
  client: Client;
  traffic: GraphTraffic;
  /** Wraps what a call of `what` (at `link`, else the connector's endpoint) threw, naming the call. */
  failed(err: unknown, what: string, link?: string): GraphCallError;
};

/**
 * Opens authenticated Graph sessions for activities. Credentials are cached by the fingerprint of
 * everything that defines them (tenant, client id, authority, kind, secret material), so MSAL's
 * token cache serves every activity of the worker, and a connector changed by `connector update`
 * gets a new credential at its next activity, without a restart.
 */
export class GraphSessions {
  private readonly credentials = new Map<string, TokenCredential>();
  /** The fingerprint each connector last used: its credential is dropped once nothing uses it. */
  private readonly inUse = new Map<string, string>();

  constructor(private readonly secrets: SecretStore) {}

  async open(connector: Connector, permission: string): Promise<GraphSession> {
    const context = { tenantId: connector.tenantId, clientId: connector.clientId, permission, credentialKind: connector.credentialKind };
    const material = await connectorMaterial(connector, this.secrets).catch((err: unknown) => {
      // A certificate file of the worker's environment that cannot be read is the operator's to fix.
      throw err instanceof ApplicationFailure ? err : authenticationFailure(err, context);
    });
    const redact = redactor(material);
    let credential: TokenCredential;
    try {
      credential = this.credentialFor(connector, material);
    } catch (err) {
      throw authenticationFailure(err, context, redact);
    }
    // Authenticate up front: a bad credential surfaces here as the identity library's structured
    // error, which the Graph client would flatten into a message.
    try {
      await credential.getToken(graphScope(connector.graphBaseUrl));
    } catch (err) {
      // An unknown tenant fails in MSAL's endpoint discovery, which hides the AADSTS code: ask again.
      const explained = isEndpointResolutionError(err) ? await explainAuthorityFailure(connector.authorityHost, connector.tenantId) : undefined;
      throw authenticationFailure(explained ?? err, context, redact);
    }
    const traffic: GraphTraffic = { requests: 0, throttled: 0 };
    const call = { tenantId: connector.tenantId, clientId: connector.clientId, permission };
    return {
      client: createGraphClient(credential, connector.graphBaseUrl, traffic),
      traffic,
      failed: (err, what, link = connector.graphBaseUrl) => new GraphCallError(err, { ...call, what, endpoint: new URL(link).origin }, redact),
    };
  }

  private credentialFor(connector: Connector, material: Parameters<typeof createCredential>[1]): TokenCredential {
    const fingerprint = credentialFingerprint(connector, material);
    let credential = this.credentials.get(fingerprint);
    if (!credential) {
      credential = createCredential(connector, material);
      this.credentials.set(fingerprint, credential);
    }
    const previous = this.inUse.get(connector.id);
    this.inUse.set(connector.id, fingerprint);
    if (previous && previous !== fingerprint && ![...this.inUse.values()].includes(previous)) this.credentials.delete(previous);
    return credential;
  }

  /** How many credentials the worker holds; for tests of the cache. */
  get size(): number {
    return this.credentials.size;
  }
}

import { ApplicationFailure } from '@temporalio/common';
import type { Connector } from '../../store/connectors';
import type { SecretStore } from '../../secrets/secretStore';
import { FailureKind } from '../../../shared/failureKinds';
import { unsealCertificate, type CredentialMaterial } from './credentialMaterial';

/**
 * What the connector authenticates with, loaded when an activity needs it: a client secret or a
 * certificate from the secret store (sealed in PostgreSQL, or handed to the worker), a federated
 * token file's path, or nothing for a managed identity (user- or system-assigned).
 */
export async function connectorMaterial(connector: Connector, secrets: SecretStore): Promise<CredentialMaterial> {
  switch (connector.credentialKind) {
    case 'workloadIdentity':
      if (!connector.federatedTokenFile) throw missing(connector, 'federated token file', '--federated-token-file <path>', 'AZURE_FEDERATED_TOKEN_FILE');
      return { kind: 'workloadIdentity', tokenFile: connector.federatedTokenFile };
    case 'managedIdentity':
    case 'systemAssignedIdentity':
      return { kind: connector.credentialKind };
    case 'certificate': {
      // The store words its "nothing stored" for a client secret: say certificate here.
      const sealed = await secrets.clientSecret(connector.id).catch((err: unknown) => {
        if (err instanceof ApplicationFailure && err.type === FailureKind.MissingClientSecret) return undefined;
        throw err;
      });
      if (!sealed) throw missing(connector, 'certificate', '--certificate <file>', 'AZURE_CLIENT_CERTIFICATE_PATH');
      try {
        return { kind: 'certificate', certificate: unsealCertificate(sealed) };
      } catch {
        throw missing(connector, 'certificate', '--certificate <file>', 'AZURE_CLIENT_CERTIFICATE_PATH');
      }
    }
    default: {
      const secret = await secrets.clientSecret(connector.id);
      if (!secret) throw missing(connector, 'client secret', '--secret', 'ENTRA_CLIENT_SECRET');
      return { kind: 'clientSecret', secret };
    }
  }
}

function missing(connector: Connector, what: string, option: string, variable: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureKind.MissingClientSecret,
    nonRetryable: true,
    message:
      `connector ${connector.id} has no ${what}: store one with "entra-sync connector update ${connector.id} ${option}"` +
      ` (or, for the connector configured by ENTRA_* variables, set ${variable} for the worker process)`,
  });
}

import { ApplicationFailure } from '@temporalio/common';
import type { SecretStore } from './secretStore';
import { SECRET_KEY_VARIABLES, SecretCipherError, type KeyRing } from './secretCipher';
import { loadSealedSecret, openConnectorSecret } from './connectorSecrets';
import type { Queryable } from '../store/database';
import { FailureKind } from '../../shared/failureKinds';

/**
 * Client secrets stored encrypted in PostgreSQL (`entra-sync connector add|update`), opened with
 * the worker's key ring. A connector without a stored secret falls back to the secrets handed to
 * the worker process (ENTRA_CLIENT_SECRET for the environment-configured `default` connector).
 * Failures are non-retryable and name the fix; none of them carries the secret.
 */
export class DatabaseSecretStore implements SecretStore {
  constructor(
    private readonly db: Queryable,
    private readonly keys: KeyRing | undefined,
    private readonly fallback?: SecretStore,
  ) {}

  async clientSecret(connectorId: string): Promise<string | undefined> {
    const sealed = await loadSealedSecret(this.db, connectorId);
    if (!sealed) {
      const handed = await this.fallback?.clientSecret(connectorId);
      if (handed) return handed;
      throw ApplicationFailure.create({
        type: FailureKind.MissingClientSecret,
        nonRetryable: true,
        message:
          `connector ${connectorId} has no client secret: store one with "entra-sync connector update ${connectorId} --secret"` +
          ` (or, for the connector configured by ENTRA_* variables, set ENTRA_CLIENT_SECRET for the worker process)`,
      });
    }
    if (!this.keys) {
      throw ApplicationFailure.create({
        type: FailureKind.EncryptionKeyMissing,
        nonRetryable: true,
        message: `the client secret of connector ${connectorId} is stored encrypted, but this worker has no ${SECRET_KEY_VARIABLES.current}; give the worker the key the CLI used`,
      });
    }
    try {
      return openConnectorSecret(this.keys, connectorId, sealed);
    } catch (err) {
      if (!(err instanceof SecretCipherError)) throw err;
      throw ApplicationFailure.create({
        type: FailureKind.ConnectorSecretUnreadable,
        nonRetryable: true,
        message:
          `the client secret of connector ${connectorId} ${err.message}; ` +
          (err.reason === 'unknownKey'
            ? `set ${SECRET_KEY_VARIABLES.current} (or ${SECRET_KEY_VARIABLES.previous} during a key rotation) to that key on this worker`
            : `store the secret again with "entra-sync connector update ${connectorId} --secret"`),
      });
    }
  }
}

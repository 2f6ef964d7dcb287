/**
 * Where activities find a connector's client secret. Secrets never travel through workflow
 * inputs or history: the workflow names a connector, the activity asks this store.
 */
export interface SecretStore {
  clientSecret(connectorId: string): Promise<string | undefined>;
}

/** Secrets handed to the worker process itself (the environment-configured connector). */
export class StaticSecretStore implements SecretStore {
  constructor(private readonly secrets: ReadonlyMap<string, string>) {}
  async clientSecret(connectorId: string): Promise<string | undefined> {
    return this.secrets.get(connectorId);
  }
}

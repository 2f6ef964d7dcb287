// Secrets and certificates of applications and service principals; each change is audited.

import type { ApplicationProperties } from '../model/applicationResource';
import {
  newKeyCredential,
  newPasswordCredential,
  type KeyCredential,
  type NewKeyCredential,
  type NewPasswordCredential,
  type PasswordCredential,
} from '../model/credentials';
import { credentialChangeAudit } from '../model/directoryAudit';
import type { ServicePrincipalProperties } from '../model/servicePrincipalResource';
import { InvalidStateError, ObjectNotFoundError } from '../model/simulatorErrors';
import { appendChangeAudit } from './changeAudit';
import { requireOwnable, type OwnableObject } from './ownerChanges';
import type { ChangeOptions } from './tenantModel';
import type { TenantStore } from './tenantStore';

interface CredentialHolder extends OwnableObject {
  properties: { passwordCredentials: PasswordCredential[]; keyCredentials: KeyCredential[] };
}

export function addPasswordCredential(
  tenant: TenantStore,
  objectId: string,
  input: NewPasswordCredential,
  options: ChangeOptions,
): Omit<PasswordCredential, 'secretText'> & { secretText: string } {
  const holder = requireCredentialHolder(tenant, objectId);
  const { credential, secretText } = newPasswordCredential(tenant.ids, input, tenant.currentTime());
  changeCredentials(tenant, holder, 'add', credential, options);
  return { ...credential, secretText };
}

export function addKeyCredential(tenant: TenantStore, objectId: string, input: NewKeyCredential, options: ChangeOptions): KeyCredential {
  const holder = requireCredentialHolder(tenant, objectId);
  const credential = newKeyCredential(tenant.ids, input, tenant.currentTime(), holder.displayName);
  changeCredentials(tenant, holder, 'add', credential, options);
  return credential;
}

/** Removes a password or key credential by keyId. */
export function removeCredential(tenant: TenantStore, objectId: string, keyId: string, options: ChangeOptions): void {
  const holder = requireCredentialHolder(tenant, objectId);
  const key = keyId.toLowerCase();
  const credential =
    holder.properties.passwordCredentials.find((c) => c.keyId === key) ?? holder.properties.keyCredentials.find((c) => c.keyId === key);
  if (!credential) throw new ObjectNotFoundError('credential', keyId);
  changeCredentials(tenant, holder, 'remove', credential, options);
}

function requireCredentialHolder(tenant: TenantStore, objectId: string): CredentialHolder {
  const owned = requireOwnable(tenant, objectId);
  return { ...owned, properties: tenant.requireActive(owned.stream, owned.id).properties };
}

function changeCredentials(
  tenant: TenantStore,
  holder: CredentialHolder,
  change: 'add' | 'remove',
  credential: PasswordCredential | KeyCredential,
  options: ChangeOptions,
): void {
  const isPassword = 'hint' in credential;
  const property = isPassword ? 'passwordCredentials' : 'keyCredentials';
  const before = [...holder.properties.passwordCredentials, ...holder.properties.keyCredentials];
  const current = holder.properties[property] as Array<PasswordCredential | KeyCredential>;
  if (change === 'add' && before.some((c) => c.keyId === credential.keyId)) {
    throw new InvalidStateError(`credential ${credential.keyId} already exists`);
  }
  const next = change === 'add' ? [...current, credential] : current.filter((c) => c.keyId !== credential.keyId);
  tenant.streamOf(holder.stream).update(holder.id, { [property]: next } as Partial<ApplicationProperties & ServicePrincipalProperties>);
  const after = change === 'add' ? [...before, credential] : before.filter((c) => c.keyId !== credential.keyId);
  appendChangeAudit(tenant, options, (context) =>
    credentialChangeAudit(context, {
      targetKind: holder.stream === 'applications' ? 'Application' : 'ServicePrincipal',
      targetId: holder.id,
      targetDisplayName: holder.displayName,
      change,
      credential,
      before,
      after,
    }),
  );
}

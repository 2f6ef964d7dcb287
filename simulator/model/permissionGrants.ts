import { InvalidStateError, ObjectNotFoundError } from './simulatorErrors';

/** A delegated permission grant (/oauth2PermissionGrants). v1.0 has no createdDateTime. */
export interface OAuth2PermissionGrant {
  id: string;
  /** Object id of the client service principal. */
  clientId: string;
  consentType: 'AllPrincipals' | 'Principal';
  /** The user consented for; null for AllPrincipals (admin consent). */
  principalId: string | null;
  /** Object id of the resource service principal (e.g. Microsoft Graph). */
  resourceId: string;
  /** Space-separated delegated scopes. */
  scope: string;
}

export class OAuth2PermissionGrants {
  private readonly grants = new Map<string, OAuth2PermissionGrant>();

  get size(): number {
    return this.grants.size;
  }

  add(grant: OAuth2PermissionGrant): OAuth2PermissionGrant {
    if (this.grants.has(grant.id)) throw new InvalidStateError(`permission grant ${grant.id} already exists`);
    this.grants.set(grant.id, grant);
    return grant;
  }

  get(id: string): OAuth2PermissionGrant | undefined {
    return this.grants.get(id);
  }

  remove(id: string): OAuth2PermissionGrant {
    const grant = this.grants.get(id);
    if (!grant) throw new ObjectNotFoundError('oauth2PermissionGrants', id);
    this.grants.delete(id);
    return grant;
  }

  all(): IterableIterator<OAuth2PermissionGrant> {
    return this.grants.values();
  }

  forget(objectId: string): void {
    for (const [id, grant] of this.grants) {
      if (grant.clientId === objectId || grant.resourceId === objectId || grant.principalId === objectId) this.grants.delete(id);
    }
  }
}

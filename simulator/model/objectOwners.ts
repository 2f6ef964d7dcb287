import { InvalidStateError } from './simulatorErrors';

/**
 * Owners of applications and service principals (users or service principals), in the order
 * they were added. Not delta-tracked in Graph: clients read /{id}/owners per object.
 */
export class ObjectOwners {
  private readonly owners = new Map<string, string[]>();

  load(objectId: string, ownerIds: readonly string[]): void {
    if (ownerIds.length > 0) this.owners.set(objectId, [...new Set(ownerIds)]);
  }

  ownersOf(objectId: string): readonly string[] {
    return this.owners.get(objectId) ?? [];
  }

  add(objectId: string, ownerId: string): void {
    const list = this.owners.get(objectId) ?? [];
    if (list.includes(ownerId)) throw new InvalidStateError(`${ownerId} already owns ${objectId}`);
    list.push(ownerId);
    this.owners.set(objectId, list);
  }

  remove(objectId: string, ownerId: string): void {
    const list = this.owners.get(objectId) ?? [];
    const index = list.indexOf(ownerId);
    if (index < 0) throw new InvalidStateError(`${ownerId} does not own ${objectId}`);
    list.splice(index, 1);
    if (list.length === 0) this.owners.delete(objectId);
  }

  /** Hard delete: the object loses its owners and the owner its ownerships. */
  forget(id: string): void {
    this.owners.delete(id);
    for (const [objectId, list] of this.owners) {
      const index = list.indexOf(id);
      if (index >= 0) list.splice(index, 1);
      if (list.length === 0) this.owners.delete(objectId);
    }
  }

  entries(): IterableIterator<[string, readonly string[]]> {
    return this.owners.entries();
  }
}

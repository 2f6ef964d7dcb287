/**
 * What changed in the directory, as it happens: the change-notification service listens here.
 * Generation (bulk loads) emits nothing; every later create, update, state change and
 * membership or ownership change of a group emits one event.
 */
export type DirectoryChange =
  | { kind: 'object'; stream: string; id: string; change: 'created' | 'updated' | 'softDeleted' | 'restored' | 'deleted' }
  | { kind: 'link'; collection: 'members' | 'owners'; groupId: string; objectId: string; change: 'added' | 'removed' };

export type DirectoryChangeListener = (change: DirectoryChange) => void;

export class DirectoryChangeFeed {
  private readonly listeners = new Set<DirectoryChangeListener>();

  /** Returns the unsubscribe function. */
  subscribe(listener: DirectoryChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(change: DirectoryChange): void {
    for (const listener of this.listeners) listener(change);
  }
}

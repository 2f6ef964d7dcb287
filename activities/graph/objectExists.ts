import type { Client } from '@microsoft/microsoft-graph-client';
import { isGraphError } from './graphErrors';
import { withGraphRetry, type RetryOptions } from './graphRetry';

/** Where an application or service principal is read directly. */
export const objectPath = (objectType: 'application' | 'servicePrincipal', id: string) =>
  `/${objectType === 'application' ? 'applications' : 'servicePrincipals'}/${id}?$select=id`;

/**
 * Whether Graph still has the object, by a direct GET: false only on 404. Graph documents
 * replication delay (a read soon after a change can miss an object that exists), so callers ask
 * this after a pause, to confirm a 404 seen elsewhere before treating the object as deleted.
 */
export async function objectExists(client: Client, path: string, retry: RetryOptions): Promise<boolean> {
  try {
    await withGraphRetry(() => client.api(path).get(), retry);
    return true;
  } catch (err) {
    if (isGraphError(err) && err.statusCode === 404) return false;
    throw err;
  }
}

import { USER_COLLECTION_PROPERTIES, USER_DEFAULT_PROPERTIES, USER_SELECTABLE_PROPERTIES } from '../userResource';
import type { DeltaResource } from './deltaQuery';

/** GET /v1.0/users/delta */
export const usersDeltaResource: DeltaResource = {
  stream: 'users',
  entitySet: 'users',
  graphType: 'microsoft.graph.user',
  path: '/v1.0/users/delta',
  acceptedPermissions: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  selectableProperties: USER_SELECTABLE_PROPERTIES,
  defaultProperties: USER_DEFAULT_PROPERTIES,
  collectionProperties: USER_COLLECTION_PROPERTIES,
};

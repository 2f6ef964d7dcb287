import { USER_COLLECTION_PROPERTIES, USER_DEFAULT_PROPERTIES, USER_SELECTABLE_PROPERTIES } from '../model/userResource';
import type { DeltaResource } from './deltaQuery';
import { GRAPH_PERMISSIONS } from './graphPermissions';

/** GET /v1.0/users/delta */
export const usersDeltaResource: DeltaResource = {
  stream: 'users',
  entitySet: 'users',
  graphType: 'microsoft.graph.user',
  path: '/v1.0/users/delta',
  acceptedPermissions: GRAPH_PERMISSIONS.users,
  selectableProperties: USER_SELECTABLE_PROPERTIES,
  defaultProperties: USER_DEFAULT_PROPERTIES,
  collectionProperties: USER_COLLECTION_PROPERTIES,
  maxFilterIds: 50,
};

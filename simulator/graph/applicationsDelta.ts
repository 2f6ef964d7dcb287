import { APPLICATION_COLLECTION_PROPERTIES, APPLICATION_DEFAULT_PROPERTIES, APPLICATION_SELECTABLE_PROPERTIES } from '../model/applicationResource';
import type { DeltaResource } from './deltaQuery';
import { GRAPH_PERMISSIONS } from './graphPermissions';

/** GET /v1.0/applications/delta */
export const applicationsDeltaResource: DeltaResource = {
  stream: 'applications',
  entitySet: 'applications',
  graphType: 'microsoft.graph.application',
  path: '/v1.0/applications/delta',
  acceptedPermissions: GRAPH_PERMISSIONS.applications,
  selectableProperties: APPLICATION_SELECTABLE_PROPERTIES,
  defaultProperties: APPLICATION_DEFAULT_PROPERTIES,
  collectionProperties: APPLICATION_COLLECTION_PROPERTIES,
  // Unconfirmed for applications; the same cap as users and groups keeps clients honest.
  maxFilterIds: 50,
};

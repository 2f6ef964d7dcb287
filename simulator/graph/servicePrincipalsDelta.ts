import {
  SERVICE_PRINCIPAL_COLLECTION_PROPERTIES,
  SERVICE_PRINCIPAL_DEFAULT_PROPERTIES,
  SERVICE_PRINCIPAL_SELECTABLE_PROPERTIES,
} from '../model/servicePrincipalResource';
import type { DeltaResource } from './deltaQuery';
import { GRAPH_PERMISSIONS } from './graphPermissions';

/** GET /v1.0/servicePrincipals/delta */
export const servicePrincipalsDeltaResource: DeltaResource = {
  stream: 'servicePrincipals',
  entitySet: 'servicePrincipals',
  graphType: 'microsoft.graph.servicePrincipal',
  path: '/v1.0/servicePrincipals/delta',
  acceptedPermissions: GRAPH_PERMISSIONS.servicePrincipals,
  selectableProperties: SERVICE_PRINCIPAL_SELECTABLE_PROPERTIES,
  defaultProperties: SERVICE_PRINCIPAL_DEFAULT_PROPERTIES,
  collectionProperties: SERVICE_PRINCIPAL_COLLECTION_PROPERTIES,
  maxFilterIds: 50,
};

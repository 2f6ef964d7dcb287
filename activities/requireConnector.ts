import { ApplicationFailure } from '@temporalio/common';
import { findConnector, type Connector } from './store/connectors';
import type { Queryable } from './store/database';
import { FailureKind } from '../shared/failureKinds';

export async function requireConnector(db: Queryable, connectorId: string): Promise<Connector> {
  const connector = await findConnector(db, connectorId);
  if (!connector) {
    throw ApplicationFailure.create({
      type: FailureKind.ConnectorNotFound,
      nonRetryable: true,
      message: `connector ${connectorId} does not exist in this database; add it, or delete the schedule that still names it`,
    });
  }
  return connector;
}

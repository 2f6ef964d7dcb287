import type { Client } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import { isGraphError } from './graphErrors';
import { withGraphRetry, type RetryOptions } from './graphRetry';

export type GraphObject = { id: string; [property: string]: unknown };
export type RemovedReason = 'changed' | 'deleted';

export type DeltaPage = {
  objects: GraphObject[];
  nextLink?: string;
  deltaLink?: string;
};

const MAX_OBJECTS_PER_PAGE = 10_000;

const DeltaPageSchema = z
  .object({
    value: z.array(z.looseObject({ id: z.string().min(1).max(256) })).max(MAX_OBJECTS_PER_PAGE),
    '@odata.nextLink': z.url().optional(),
    '@odata.deltaLink': z.url().optional(),
  })
  .refine((page) => (page['@odata.nextLink'] === undefined) !== (page['@odata.deltaLink'] === undefined), {
    message: 'a delta page must carry exactly one of @odata.nextLink and @odata.deltaLink',
  });

/**
 * The delta cursor is gone (400 syncStateNotFound) or reset by the service (410 resyncRequired).
 * A 410's `Location` is not kept: Microsoft documents it only as the initial request with an empty
 * token, which may lack our `$select` (and could name any host), so the caller rebuilds its own.
 */
export class DeltaResyncRequired extends Error {
  constructor(readonly reason: 'syncStateNotFound' | 'resyncRequired') {
    super(`delta cursor no longer valid (${reason})`);
    this.name = 'DeltaResyncRequired';
  }
}

/** A page that is not a delta page: worth a retry (truncation), then an error naming the fault. */
export class MalformedGraphResponse extends Error {
  constructor(what: string, problem: string) {
    super(`Microsoft Graph returned a page of ${what} that is not a delta page: ${problem}`);
    this.name = 'MalformedGraphResponse';
  }
}

export function removedReason(object: GraphObject): RemovedReason | undefined {
  const removed = object['@removed'] as { reason?: unknown } | undefined;
  if (removed === undefined || removed === null) return undefined;
  return removed.reason === 'changed' ? 'changed' : 'deleted';
}

/** Fetches one delta page by its absolute link, reused verbatim as Graph asks. */
export async function fetchDeltaPage(client: Client, link: string, what: string, retry: RetryOptions): Promise<DeltaPage> {
  let body: unknown;
  try {
    body = await withGraphRetry(() => client.api(link).get(), retry);
  } catch (err) {
    if (isGraphError(err)) {
      const code = (err.code ?? '').toLowerCase();
      if (err.statusCode === 410) throw new DeltaResyncRequired('resyncRequired');
      if (err.statusCode === 400 && code === 'syncstatenotfound') throw new DeltaResyncRequired('syncStateNotFound');
      if (err.statusCode >= 200 && err.statusCode < 300) throw new MalformedGraphResponse(what, err.message);
    }
    throw err;
  }
  const parsed = DeltaPageSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MalformedGraphResponse(what, `${issue?.path.join('.') || 'body'}: ${issue?.message}`);
  }
  return {
    objects: parsed.data.value as GraphObject[],
    nextLink: parsed.data['@odata.nextLink'],
    deltaLink: parsed.data['@odata.deltaLink'],
  };
}

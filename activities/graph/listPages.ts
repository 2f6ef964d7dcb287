import type { Client } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import { MalformedGraphResponse, type GraphObject } from './deltaPages';
import { withGraphRetry, type RetryOptions } from './graphRetry';

const ListPageSchema = z.object({
  value: z.array(z.looseObject({ id: z.string().min(1).max(256) })).max(10_000),
  '@odata.nextLink': z.url().optional(),
});

export type ListPage = { objects: GraphObject[]; nextLink?: string };

/** Parses one page of a Graph collection; a body that is not one names the fault. */
export function parseListPage(body: unknown, what: string): ListPage {
  const parsed = ListPageSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MalformedGraphResponse(what, `${issue?.path.join('.') || 'body'}: ${issue?.message}`);
  }
  return { objects: parsed.data.value as GraphObject[], nextLink: parsed.data['@odata.nextLink'] };
}

/** Fetches one page of a collection by its (absolute or version-relative) link. */
export async function fetchListPage(client: Client, link: string, what: string, retry: RetryOptions): Promise<ListPage> {
  return parseListPage(await withGraphRetry(() => client.api(link).get(), retry), what);
}

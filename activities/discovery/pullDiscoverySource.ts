import type { ActivityDeps } from '../deps';
import type { Connector } from '../store/connectors';
import { clearDocuments, stageDocuments } from '../staging/stageDocuments';
import { readPages, type PageStream } from '../staging/pageReader';
import type { DiscoverySource } from './discoveryStaging';

type Source = {
  source: DiscoverySource;
  stream: string;
  what: string;
  permission: string;
  firstLink: (connector: Connector) => Promise<string>;
  /** A 403 code that means "this tenant cannot offer this source", not "permission missing". */
  unavailableCode?: { code: string; reason: string };
  /** Sign-ins are a report: paced under the reports limit. */
  isReport?: boolean;
};

type Pulled = { staged: number; coverage: 'complete' | 'unavailable' };

/** Streams one discovery source into staging, resumable from its heartbeat, recording coverage. */
export function pullDiscoverySource(deps: ActivityDeps, source: Source) {
  const staging = { table: 'staged_discovery', kindColumn: 'source', kind: source.source } as const;
  const stream: PageStream<Record<string, never>, Pulled> = {
    stream: source.stream,
    permission: source.permission,
    ...(source.isReport ? { pacing: 'reports' as const } : {}),
    start: async (connector) => ({ sources: [{ what: source.what, link: await source.firstLink(connector) }], state: {} }),
    clear: (tx, syncRunId) => clearDocuments(tx, syncRunId, staging),
    async stage(tx, syncRunId, _source, page) {
      await stageDocuments(tx, syncRunId, staging, page.objects);
      return page.objects.length;
    },
    async recover(err) {
      const e = err as { statusCode?: number; code?: string };
      if (!source.unavailableCode || e.statusCode !== 403 || e.code !== source.unavailableCode.code) return undefined;
      return { finish: { record: { staged: 0, coverage: 'unavailable', coverageReason: source.unavailableCode.reason }, result: { staged: 0, coverage: 'unavailable' } } };
    },
    record: () => ({ coverage: 'complete' }),
    result: (record) => ({ staged: record.staged, coverage: record.coverage ?? 'complete' }),
  };
  return (input: { syncRunId: number; connectorId: string }): Promise<Pulled> => readPages(deps, stream, input);
}

// /v1.0/auditLogs/directoryAudits and /v1.0/auditLogs/signIns: newest first, filtered by
// unquoted UTC date-times, paged with opaque skiptokens. Sign-ins need a P1/P2 licence.

import type { SimRequest, SimResponse } from '../http/simRequest';
import type { LogCursor, TimeOrderedLog } from '../model/timeOrderedLog';
import type { DirectoryCollectionDependencies } from './directoryCollections';
import { graphError, queryError } from './graphResponses';
import { parseFilter, type FilterableProperties, type FilterGrammar } from './odataFilter';
import { readPaging, rejectUnsupportedOptions, servePage, type PageLimits } from './pagedCollection';
import { readQueryOptions, resolveSelect } from './queryOptions';

/** Report page sizes: about 1000 for audits (unconfirmed), up to 1000 for sign-ins (docs/graph-behaviour.md). */
export const REPORT_PAGE_LIMITS: PageLimits = { defaultTop: 1000, maxTop: 1000 };

interface ReportDescription<T> {
  log: (deps: DirectoryCollectionDependencies) => TimeOrderedLog<T & { id: string }>;
  timeProperty: string;
  entitySet: string;
  graphType: string;
  fields: readonly string[];
  filterable: FilterableProperties;
  /** The operators Microsoft documents per property; without it any comparison is served. */
  grammar?: FilterGrammar;
}

const DIRECTORY_AUDITS: ReportDescription<object> = {
  log: (deps) => deps.tenant.directoryAudits as unknown as TimeOrderedLog<{ id: string }>,
  timeProperty: 'activityDateTime',
  entitySet: 'auditLogs/directoryAudits',
  graphType: 'microsoft.graph.directoryAudit',
  fields: ['id', 'category', 'correlationId', 'result', 'resultReason', 'activityDisplayName', 'activityDateTime', 'loggedByService', 'operationType', 'initiatedBy', 'targetResources', 'additionalDetails'],
  // Exactly what "List directoryAudits" and the directoryAudit resource document
  // (docs/graph-behaviour.md, "Filters on directoryAudits"): category and result are not
  // filterable, `or` is not documented, ne/gt/lt are not offered.
  filterable: {
    activityDateTime: 'dateTime',
    activityDisplayName: 'string',
    loggedByService: 'string',
    correlationId: 'string',
    id: 'string',
    'initiatedBy/user/id': 'string',
    'initiatedBy/user/displayName': 'string',
    'initiatedBy/user/userPrincipalName': 'string',
    'initiatedBy/app/appId': 'string',
    'initiatedBy/app/displayName': 'string',
    'targetResources/id': 'string',
    'targetResources/displayName': 'string',
  },
  grammar: {
    operators: {
      activityDateTime: ['eq', 'ge', 'le'],
      activityDisplayName: ['eq', 'startswith'],
      loggedByService: ['eq'],
      correlationId: ['eq'],
      id: ['eq'],
      'initiatedBy/user/id': ['eq'],
      'initiatedBy/user/displayName': ['eq'],
      'initiatedBy/user/userPrincipalName': ['eq', 'startswith'],
      'initiatedBy/app/appId': ['eq'],
      'initiatedBy/app/displayName': ['eq'],
      'targetResources/id': ['eq'],
      'targetResources/displayName': ['eq', 'startswith'],
    },
    joiners: ['and'],
    lambdas: ['targetResources'],
  },
};

const SIGN_INS: ReportDescription<object> = {
  log: (deps) => deps.tenant.signIns as unknown as TimeOrderedLog<{ id: string }>,
  timeProperty: 'createdDateTime',
  entitySet: 'auditLogs/signIns',
  graphType: 'microsoft.graph.signIn',
  fields: [
    'id', 'createdDateTime', 'userDisplayName', 'userPrincipalName', 'userId', 'appId', 'appDisplayName', 'ipAddress', 'clientAppUsed',
    'correlationId', 'conditionalAccessStatus', 'isInteractive', 'resourceDisplayName', 'resourceId', 'riskDetail', 'riskLevelAggregated',
    'riskLevelDuringSignIn', 'riskState', 'status', 'deviceDetail', 'location',
  ],
  filterable: {
    createdDateTime: 'dateTime',
    appId: 'string',
    appDisplayName: 'string',
    userId: 'string',
    userPrincipalName: 'string',
    resourceId: 'string',
    clientAppUsed: 'string',
    'status/errorCode': 'number',
  },
};

export function handleDirectoryAudits(deps: DirectoryCollectionDependencies, request: SimRequest): SimResponse {
  return serveReport(DIRECTORY_AUDITS, deps, request);
}

export function handleSignIns(deps: DirectoryCollectionDependencies, request: SimRequest): SimResponse {
  if (!deps.tenant.premium) {
    return graphError(request, 403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', "Neither tenant is B2C or tenant doesn't have premium license");
  }
  return serveReport(SIGN_INS, deps, request);
}

function serveReport(report: ReportDescription<object>, deps: DirectoryCollectionDependencies, request: SimRequest): SimResponse {
  const unsupported = rejectUnsupportedOptions(request, ['$select', '$top', '$skiptoken', '$filter', '$orderby']);
  if (unsupported) return unsupported;
  const options = readQueryOptions(request.url);
  const select = resolveSelect(report.fields, report.graphType, options.get('$select'));
  if (!select.ok) return graphError(request, 400, 'Request_BadRequest', select.message);
  const filter = options.has('$filter') ? parseFilter(options.get('$filter') as string, report.filterable, report.grammar) : undefined;
  if (filter && !filter.ok) return queryError(request, filter);
  const order = readOrder(options.get('$orderby'), report.timeProperty);
  if (!order) return graphError(request, 400, 'Request_UnsupportedQuery', `Only $orderby=${report.timeProperty} desc or asc is supported.`);
  const paging = readPaging(request, deps, REPORT_PAGE_LIMITS);
  if (!paging.ok) return paging.response;
  // The service may page below $top (docs/graph-behaviour.md): clients follow nextLinks either way.
  if (deps.reportPageSize) paging.top = Math.min(paging.top, deps.reportPageSize);

  const log = report.log(deps);
  const predicate = filter?.ok ? filter.value : () => true;
  const fields = select.value ?? report.fields;
  return servePage(
    request,
    deps,
    paging,
    {
      *itemsAfter(cursor) {
        const after = cursor === null ? undefined : decodeCursor(cursor);
        const items = order === 'desc' ? log.newestFirst(after) : log.oldestFirst(after);
        for (const item of items) if (predicate(item)) yield item;
      },
      cursorOf: (item) => encodeCursor(log.cursorOf(item)),
      render: (item) => {
        const view: Record<string, unknown> = {};
        for (const field of fields) view[field] = (item as Record<string, unknown>)[field] ?? null;
        view.id = item.id;
        return view;
      },
    },
    report.entitySet,
  );
}

function readOrder(raw: string | undefined, timeProperty: string): 'asc' | 'desc' | undefined {
  if (raw === undefined) return 'desc';
  const match = new RegExp(`^\\s*${timeProperty}(\\s+(asc|desc))?\\s*$`, 'i').exec(raw);
  if (!match) return undefined;
  return match[2]?.toLowerCase() === 'asc' ? 'asc' : 'desc';
}

function encodeCursor(cursor: LogCursor): string {
  return `${cursor.time}|${cursor.id}`;
}

function decodeCursor(text: string): LogCursor {
  const separator = text.indexOf('|');
  return { time: Number(text.slice(0, separator)), id: text.slice(separator + 1) };
}

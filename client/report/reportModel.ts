import type { Queryable } from '../../activities/store/database';

/** What every section's queries are run with: $1 the connector, $2 the start of the period. */
export interface ReportScope {
  db: Queryable;
  connectorId: string;
  since: Date;
  /** Base of Temporal Web UI links (as `runs show` builds them); none when unknown. */
  ui: { uiUrl?: string; namespace: string };
}

/** Most rows a table shows; the rest are counted and the shown SQL returns them all. */
export const TABLE_ROW_CAP = 500;

export type ColumnKind = 'text' | 'number' | 'time' | 'link';
export interface Column {
  key: string;
  label: string;
  kind?: ColumnKind;
}

/** One number of the page, with the SQL that produced it. */
export interface Figure {
  id: string;
  label: string;
  value: number | string;
  sql: string;
}

export interface TableData {
  id: string;
  title: string;
  columns: Column[];
  rows: Record<string, unknown>[];
  /** Rows the full query returns (more than `rows.length` when capped). */
  total: number;
  sql: string;
  empty: string;
}

export interface ChartData {
  id: string;
  title: string;
  type: 'bar' | 'line';
  labels: string[];
  datasets: { label: string; data: (number | null)[]; color: string }[];
  stacked?: boolean;
  horizontal?: boolean;
  yTitle?: string;
  sql: string;
}

export interface SectionData {
  id: 'privileged-access' | 'credentials' | 'applications' | 'sync-health';
  title: string;
  intro: string;
  figures: Figure[];
  charts: ChartData[];
  tables: TableData[];
  notes: string[];
}

/** Chart colours that say what a series is, and print in greyscale distinguishably. */
export const COLORS = { danger: '#b03a2e', warning: '#d68910', info: '#2874a6', calm: '#1e8449', neutral: '#7f8c8d' } as const;

/** The SQL as shown in the page: the parameters written in, so it runs as is in psql. */
export function shownSql(sql: string, scope: ReportScope): string {
  const literals = [quote(scope.connectorId), `${quote(scope.since.toISOString())}::timestamptz`];
  return dedent(sql).replace(/\$(\d+)(?!\d)/g, (whole, n: string) => literals[Number(n) - 1] ?? whole);
}

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

function dedent(sql: string): string {
  const lines = sql.replace(/^\n+|\s+$/g, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

const params = (scope: ReportScope) => [scope.connectorId, scope.since];

/** All rows of a query that returns few (one per role, per stream, per day). */
export async function rowsOf<R extends Record<string, unknown>>(scope: ReportScope, sql: string): Promise<R[]> {
  return (await scope.db.query(sql, usedParams(sql, scope))).rows as R[];
}

/** A figure from a query returning one row with a column `value` (a count, or a text such as a time). */
export async function figure(scope: ReportScope, id: string, label: string, sql: string): Promise<Figure> {
  const [row] = await rowsOf<{ value: unknown }>(scope, sql);
  const value = String(row?.value ?? 0);
  return { id, label, value: /^\d+$/.test(value) ? Number(value) : value, sql: shownSql(sql, scope) };
}

/** A table of at most TABLE_ROW_CAP rows of a query ending in its `order by`, and how many it has in all. */
export async function capped(scope: ReportScope, t: Omit<TableData, 'rows' | 'total' | 'sql'> & { query: string }): Promise<TableData> {
  const { query, ...rest } = t;
  const rows = await rowsOf(scope, `${query}\nlimit ${TABLE_ROW_CAP + 1}`);
  const total = rows.length > TABLE_ROW_CAP ? Number((await rowsOf<{ n: string }>(scope, `select count(*) as n from (${query}) q`))[0]!.n) : rows.length;
  return { ...rest, rows: rows.slice(0, TABLE_ROW_CAP), total, sql: shownSql(query, scope) };
}

/** pg refuses parameters a statement does not use; pass only those it names. */
function usedParams(sql: string, scope: ReportScope): unknown[] {
  const highest = Math.max(0, ...[...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
  return params(scope).slice(0, highest);
}

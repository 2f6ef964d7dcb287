import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { fastReportsThrottling } from './support/fastReports';
import { LiveWorker } from './support/liveWorker';
import { dashboardQueries, exposedSeries, grafanaPromql, labelValuesQuery, parsePromql, promqlQueries } from './support/observabilityFiles';
import { TEST_TLS_DIR } from './support/testTls';

// The dashboards and alert rules under deploy/ against what a worker really serves and what the
// migrated schema really returns: a renamed metric, label or view column fails here, not on a
// Grafana panel that goes blank.

const OBSERVED = 'observed';
const REFUSED = 'refused';
/** Series Prometheus makes itself (not on /metrics) and the labels it adds to every scraped one. */
const PROMETHEUS_SERIES = new Set(['up']);
const TARGET_LABELS = new Set(['job', 'instance']);
/** SYNC_ENTRA_INTERVAL's documented default (docs/operations.md): the worker's when a connector has none. */
const DEFAULT_INTERVAL_SECONDS = 15 * 60;

/** What each inventory panel shows, in its order: written from the panels' purpose, not read from the queries. */
const INVENTORY_COLUMNS: Record<string, string[]> = {
  'entra-sync: inventory posture / Privileged role members / A': ['active', 'eligible'],
  'entra-sync: inventory posture / Who holds a privileged role / A': ['role_name', 'principal_name', 'principal_type', 'access', 'granted_via', 'via_group_name', 'scope_type', 'scope_name', 'end_date_time'],
  'entra-sync: inventory posture / Ownerless apps / A': ['object_type', 'display_name', 'app_id', 'id'],
  'entra-sync: inventory posture / Credentials expired or expiring within 30 days / A': ['status', 'ends_at', 'kind', 'owner_type', 'owner_name', 'credential_name'],
  'entra-sync: inventory posture / Apps with the most principals / A': ['app_name', 'principals'],
  'entra-sync: inventory posture / App access / A': ['app_name', 'app_role', 'principal_type', 'principal_name', 'granted_via', 'via_group_name'],
  'entra-sync: inventory posture / Recent runs / A': ['sync_run_id', 'status', 'started_at', 'finished_at', 'error_kind'],
  'entra-sync: inventory posture / variable connector': ['id'],
};

let sim: RunningSimulator;
let live: LiveWorker;
let series: ReturnType<typeof exposedSeries>;
let syncWindow: { from: number; to: number };

beforeAll(async () => {
  sim = await startSimulator({ tlsDir: TEST_TLS_DIR, seed: 31, users: 30, pageSize: 10, throttling: fastReportsThrottling });
  live = await LiveWorker.start('observe');
  await live.addConnector(OBSERVED, sim);
  await live.addConnector(REFUSED, sim, 'Q~wrong-secret-for-the-observability-test');
  // One 429, so the throttling series have samples (a counter without any has no labels to check).
  sim.faults.add({ pathPrefix: '/v1.0/users/delta', status: 429, retryAfterSeconds: 1 });
  const from = Date.now() / 1000;
  expect(await live.sync(OBSERVED)).toBe('succeeded');
  syncWindow = { from, to: Date.now() / 1000 };
  expect(await live.sync(REFUSED)).toBe('failed');
  // The tail gauges cover connectors with their tail on (no tail workflow needs to run for them).
  const db = new pg.Client({ connectionString: live.databaseUrl });
  await db.connect();
  await db.query('update connectors set tail_enabled = true where id = $1', [OBSERVED]);
  await db.end();
  series = exposedSeries(await live.scrape());
});

afterAll(async () => {
  await live?.stop();
  await sim?.close();
});

const seriesOf = (metric: string) => series.filter((s) => s.metric === metric);

describe('metrics the dashboards and alert rules use, on a live worker after a sync', () => {
  it('reports when each connector last committed, and its interval, from the database', () => {
    const lastCommit = seriesOf('entra_sync_last_commit_timestamp_seconds');
    // The refused connector never committed: no freshness series, and the no-commit alert is the failed run's.
    expect(lastCommit.map((s) => s.labels)).toEqual([{ connector: OBSERVED }]);
    expect(lastCommit[0]!.value).toBeGreaterThanOrEqual(syncWindow.from);
    expect(lastCommit[0]!.value).toBeLessThanOrEqual(syncWindow.to);
    const intervals = seriesOf('entra_sync_connector_interval_seconds').map((s) => [s.labels.connector, s.value]);
    expect(intervals.sort()).toEqual([[OBSERVED, DEFAULT_INTERVAL_SECONDS], [REFUSED, DEFAULT_INTERVAL_SECONDS]]);
  });

  it('reports the tail gauges of a connector with its tail on, from the database', () => {
    const lag = seriesOf('entra_sync_tail_lag_seconds');
    expect(lag.map((s) => s.labels)).toEqual([{ connector: OBSERVED }]);
    // Since its one commit, the sync above.
    expect(lag[0]!.value).toBeGreaterThanOrEqual(0);
    expect(lag[0]!.value).toBeLessThan(Date.now() / 1000 - syncWindow.from + 60);
    // ENTRA_TAIL_INTERVAL's documented default (docs/run-lifecycle.md), and no pass running.
    expect(seriesOf('entra_sync_tail_interval_seconds').map((s) => [s.labels.connector, s.value])).toEqual([[OBSERVED, 30]]);
    expect(seriesOf('entra_sync_tail_pass_running_seconds').map((s) => [s.labels.connector, s.value])).toEqual([[OBSERVED, 0]]);
  });

  it('serves every metric, label and label value each PromQL expression selects', () => {
    const problems: string[] = [];
    for (const q of promqlQueries()) {
      const parsed = parsePromql(grafanaPromql(q.text));
      const labelsOfQuery = new Set<string>(TARGET_LABELS);
      for (const s of parsed.selectors) {
        if (PROMETHEUS_SERIES.has(s.metric)) {
          for (const l of s.labels) if (!TARGET_LABELS.has(l)) problems.push(`${q.where}: ${s.metric} has no label ${l}`);
          continue;
        }
        const found = seriesOf(s.metric);
        if (!found.length) {
          problems.push(`${q.where}: no series ${s.metric} on /metrics`);
          continue;
        }
        for (const f of found) for (const l of Object.keys(f.labels)) labelsOfQuery.add(l);
        for (const l of s.labels) if (!TARGET_LABELS.has(l) && !found.some((f) => l in f.labels)) problems.push(`${q.where}: ${s.metric} has no label ${l}`);
        for (const [l, v] of Object.entries(s.equals)) {
          if (!TARGET_LABELS.has(l) && !found.some((f) => f.labels[l] === v)) problems.push(`${q.where}: no ${s.metric}{${l}="${v}"}`);
        }
      }
      for (const l of parsed.groupingLabels) if (!labelsOfQuery.has(l)) problems.push(`${q.where}: groups by ${l}, which none of its series has`);
    }
    expect(problems).toEqual([]);
  });

  it('serves the metric and label of each Prometheus variable of the dashboards', () => {
    const variables = dashboardQueries().filter((q) => q.datasource === 'prometheus' && q.kind === 'variable');
    expect(variables.length).toBeGreaterThan(0);
    for (const v of variables) {
      const query = labelValuesQuery(v.text);
      expect(query, `${v.where}: label_values(metric, label)`).toBeDefined();
      expect(seriesOf(query!.metric).map((s) => s.labels[query!.label]), v.where).toContain(OBSERVED);
    }
  });
});

describe('SQL the inventory dashboard runs, against the migrated schema after a sync', () => {
  let db: pg.Client;
  beforeAll(async () => {
    db = new pg.Client({ connectionString: live.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
  });

  it('runs every query and returns rows with the columns its panel shows', async () => {
    const sql = dashboardQueries().filter((q) => q.datasource === 'inventory');
    expect(sql.map((q) => q.where).sort()).toEqual(Object.keys(INVENTORY_COLUMNS).sort());
    for (const q of sql) {
      // Grafana puts the selected connector's id where the query says '$connector'.
      const text = q.text.replaceAll('$connector', OBSERVED);
      expect(text, `${q.where}: an unknown Grafana variable`).not.toContain('$');
      const result = await db.query(text).catch((err: Error) => {
        throw new Error(`${q.where}: ${err.message}`);
      });
      expect(result.fields.map((f) => f.name), q.where).toEqual(INVENTORY_COLUMNS[q.where]);
      // The simulator's tenant has privileged admins, ownerless apps, expiring secrets and app
      // assignments: a panel that shows nothing for it filters wrongly (the connector's quoting, a status).
      expect(result.rowCount, `${q.where}: no rows`).toBeGreaterThan(0);
    }
  });
});

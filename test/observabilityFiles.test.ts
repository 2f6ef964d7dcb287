import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DASHBOARD_FILES, dashboards, grafanaPromql, parsePromql, promqlQueries, readRepoFile, readYaml, REPO_ROOT, RULE_FILES,
} from './support/observabilityFiles';

// The files under deploy/ without Prometheus, Grafana or a container engine: every PromQL
// expression parses, and docker-compose.yml's `observability` profile mounts exactly the files
// that name each other (rules, dashboards, data sources). The metrics and SQL they use are
// checked against a live worker by test/observabilityLive.test.ts.

describe('PromQL of the dashboards and alert rules', () => {
  it('finds the expressions: every alert of the rules and every metrics panel', () => {
    const queries = promqlQueries();
    expect(queries.filter((q) => q.kind === 'rule').map((q) => q.where.split(' / ')[1])).toEqual([
      'EntraSyncRunFailed', 'EntraSyncNoCommit', 'EntraSyncGraphThrottled', 'EntraSyncWorkerDown',
      'EntraSyncNoWorkerPolling', 'EntraSyncAuditLag', 'EntraSyncUnreadReconcileTargets', 'EntraSyncTailLagging',
    ]);
    expect(queries.filter((q) => q.kind === 'panel').length).toBeGreaterThan(15);
  });

  it('parses each with the Prometheus grammar', () => {
    const problems = promqlQueries().flatMap((q) => parsePromql(grafanaPromql(q.text)).errors.map((e) => `${q.where}: ${e}`));
    expect(problems).toEqual([]);
  });

  it('reports a broken expression, so the check above can fail', () => {
    expect(parsePromql('sum by (connector) (rate(entra_sync_runs_total[5m])').errors).not.toEqual([]);
    expect(parsePromql('entra_sync_runs_total{outcome="failed"').errors).not.toEqual([]);
    expect(parsePromql('rate(entra_sync_runs_total[$__rate_interval])').errors).not.toEqual([]);
    expect(parsePromql('time() - max by (connector) (entra_sync_last_commit_timestamp_seconds) > 3 * 900').errors).toEqual([]);
  });
});

describe('alert rules', () => {
  type Rule = { alert: string; labels?: { severity?: string }; annotations?: { summary?: string; description?: string } };
  const rules = RULE_FILES.flatMap((f) => readYaml<{ groups: { rules: Rule[] }[] }>(f).groups.flatMap((g) => g.rules));

  it('each has a severity and a summary, and docs/operations.md says what it means and what to do', () => {
    const docs = readRepoFile('docs/operations.md');
    for (const rule of rules) {
      expect(['warning', 'critical'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(docs, rule.alert).toMatch(new RegExp(`^\\| \`${rule.alert}\` \\(${rule.labels?.severity}\\) \\|`, 'm'));
    }
  });
});

type ComposeService = { image?: string; profiles?: string[]; volumes?: string[]; command?: string[]; environment?: Record<string, string> };
type Compose = { services: Record<string, ComposeService>; volumes: Record<string, unknown> };

/** A bind mount of the repository into a service: its path in the repository and in the container. */
function binds(service: ComposeService): Map<string, string> {
  const mounts = new Map<string, string>();
  for (const volume of service.volumes ?? []) {
    const [source, target] = volume.split(':') as [string, string];
    if (source.startsWith('./')) mounts.set(target, path.normalize(source));
  }
  return mounts;
}

/** The repository path a container path falls under, through the service's bind mounts. */
function repoPathOf(service: ComposeService, containerPath: string): string | undefined {
  for (const [target, source] of binds(service)) {
    if (containerPath === target) return source;
    if (containerPath.startsWith(`${target}/`)) return path.join(source, containerPath.slice(target.length + 1));
  }
  return undefined;
}

describe('docker-compose.yml, profile observability', () => {
  const compose = readYaml<Compose>('docker-compose.yml');
  const prometheus = compose.services.prometheus!;
  const grafana = compose.services.grafana!;

  it('has Prometheus and Grafana only in that profile, with their data in named volumes', () => {
    expect(prometheus.profiles).toEqual(['observability']);
    expect(grafana.profiles).toEqual(['observability']);
    expect(prometheus.volumes).toContain('prometheus-data:/prometheus');
    expect(grafana.volumes).toContain('grafana-data:/var/lib/grafana');
    expect(Object.keys(compose.volumes)).toEqual(expect.arrayContaining(['prometheus-data', 'grafana-data']));
  });

  it('mounts only files of the repository that exist', () => {
    for (const service of [prometheus, grafana]) {
      for (const source of binds(service).values()) expect(existsSync(path.join(REPO_ROOT, source)), source).toBe(true);
    }
  });

  it('gives Prometheus its configuration, which scrapes the workers and loads the alert rules', () => {
    const configPath = prometheus.command?.find((a) => a.startsWith('--config.file='))?.slice('--config.file='.length);
    expect(configPath).toBeDefined();
    const configFile = repoPathOf(prometheus, configPath!);
    expect(configFile).toBe('deploy/prometheus/prometheus.yml');
    type PrometheusConfig = { rule_files: string[]; scrape_configs: { job_name: string; dns_sd_configs: { names: string[]; port: number }[] }[] };
    const config = readYaml<PrometheusConfig>(configFile!);
    // Each rule_files glob, read through the mounts, loads exactly deploy/'s rule files.
    const loaded = config.rule_files.flatMap((glob) => {
      const dir = repoPathOf(prometheus, path.dirname(glob));
      expect(dir, `${glob} is not mounted`).toBeDefined();
      const pattern = new RegExp(`^${path.basename(glob).replace('.', '\\.').replace('*', '.*')}$`);
      return readdirSync(path.join(REPO_ROOT, dir!)).filter((f) => pattern.test(f)).map((f) => path.join(dir!, f));
    });
    expect(loaded.sort()).toEqual([...RULE_FILES].sort());
    // Every worker service of the stack, and the notification receiver, is scraped on its metrics port.
    const scraped = config.scrape_configs.flatMap((c) => c.dns_sd_configs.flatMap((d) => d.names.map((n) => `${n}:${d.port}`)));
    expect(scraped.sort()).toEqual(['discovery-worker:9464', 'receiver:9466', 'sync-worker:9464']);
    for (const service of ['sync-worker', 'discovery-worker', 'receiver']) expect(compose.services[service], service).toBeDefined();
  });

  it('gives Grafana the data sources and the dashboards, which refer to those data sources', () => {
    type Datasources = { datasources: { uid: string; type: string; url: string }[] };
    type Providers = { providers: { type: string; options: { path: string } }[] };
    const provisioned = (dir: string) => {
      const repoDir = repoPathOf(grafana, `/etc/grafana/provisioning/${dir}`);
      expect(repoDir, `provisioning/${dir} is not mounted`).toBeDefined();
      return readdirSync(path.join(REPO_ROOT, repoDir!)).filter((f) => f.endsWith('.yml')).map((f) => path.join(repoDir!, f));
    };
    const datasources = provisioned('datasources').flatMap((f) => readYaml<Datasources>(f).datasources);
    expect(datasources.map((d) => [d.uid, d.type])).toEqual([['prometheus', 'prometheus'], ['inventory', 'grafana-postgresql-datasource']]);
    expect(datasources[0]!.url).toBe('http://prometheus:9090');
    expect(datasources[1]!.url).toBe('postgresql:5432');
    for (const env of ['GRAFANA_INVENTORY_DB_USER', 'GRAFANA_INVENTORY_DB_PASSWORD']) expect(grafana.environment, env).toHaveProperty(env);

    const providers = provisioned('dashboards').flatMap((f) => readYaml<Providers>(f).providers);
    const dashboardDirs = providers.map((p) => repoPathOf(grafana, p.options.path));
    const loaded = dashboardDirs.flatMap((dir) => readdirSync(path.join(REPO_ROOT, dir!)).filter((f) => f.endsWith('.json')).map((f) => path.join(dir!, f)));
    expect(loaded.sort()).toEqual([...DASHBOARD_FILES].sort());

    const uids = new Set(datasources.map((d) => d.uid));
    for (const d of dashboards()) {
      const used = JSON.stringify(d).matchAll(/"uid":\s*"([^"]+)"/g);
      for (const [, uid] of used) if (uid !== d.uid) expect(uids, `${d.title} uses data source ${uid}`).toContain(uid);
    }
  });

  it('keeps the other services out of the profile', () => {
    for (const name of ['postgresql', 'temporal', 'sync-worker', 'discovery-worker']) expect(compose.services[name]?.profiles, name).toBeUndefined();
  });
});

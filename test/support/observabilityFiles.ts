import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parser } from '@prometheus-io/lezer-promql';
import { parse as parseYaml } from 'yaml';

/** The repository's root, where docker-compose.yml and deploy/ live. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DASHBOARD_FILES = ['deploy/grafana/dashboards/entra-sync-metrics.json', 'deploy/grafana/dashboards/entra-sync-inventory.json'];
export const RULE_FILES = ['deploy/prometheus/rules/entra-sync.yml'];

export const readRepoFile = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');
export const readYaml = <T>(file: string) => parseYaml(readRepoFile(file)) as T;

type Target = { refId: string; expr?: string; rawSql?: string; datasource?: { uid?: string } };
type Panel = { title: string; type: string; datasource?: { uid?: string }; targets?: Target[]; panels?: Panel[] };
type Variable = { name: string; datasource?: { uid?: string }; query: string | { query: string } };
export type Dashboard = { uid: string; title: string; panels: Panel[]; templating: { list: Variable[] } };

/** One query a dashboard panel, a dashboard variable or an alert rule runs, and where it is. */
export type Query = { where: string; kind: 'panel' | 'variable' | 'rule'; datasource: string; text: string };

export const dashboards = (): Dashboard[] => DASHBOARD_FILES.map((file) => JSON.parse(readRepoFile(file)) as Dashboard);

/** Every panel target and variable query of the dashboards, with the uid of its data source. */
export function dashboardQueries(): Query[] {
  const queries: Query[] = [];
  for (const d of dashboards()) {
    const panels = d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
    for (const p of panels) {
      for (const t of p.targets ?? []) {
        const text = t.expr ?? t.rawSql;
        if (text === undefined) throw new Error(`${d.title} / ${p.title} / ${t.refId}: a target without expr or rawSql`);
        queries.push({ where: `${d.title} / ${p.title} / ${t.refId}`, kind: 'panel', datasource: t.datasource?.uid ?? p.datasource?.uid ?? '', text });
      }
    }
    for (const v of d.templating.list) {
      queries.push({ where: `${d.title} / variable ${v.name}`, kind: 'variable', datasource: v.datasource?.uid ?? '', text: typeof v.query === 'string' ? v.query : v.query.query });
    }
  }
  return queries;
}

/** Every alert rule's expression. */
export function ruleQueries(): Query[] {
  type Rules = { groups: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[] };
  return RULE_FILES.flatMap((file) =>
    readYaml<Rules>(file).groups.flatMap((g) => g.rules.map((r) => ({ where: `${file} / ${r.alert ?? r.record}`, kind: 'rule' as const, datasource: 'prometheus', text: r.expr }))),
  );
}

/** Every PromQL expression of the dashboards and rules, Grafana's `label_values()` variables excepted. */
export const promqlQueries = () => [...dashboardQueries().filter((q) => q.datasource === 'prometheus' && q.kind === 'panel'), ...ruleQueries()];

/**
 * Grafana's variables in PromQL replaced by what Grafana puts there, so that the expression is the
 * one Prometheus receives. An unknown `$` variable stays, and then fails to parse.
 */
export function grafanaPromql(text: string): string {
  return text
    .replaceAll('$__rate_interval', '2m')
    .replaceAll('$__range', '24h')
    .replaceAll('$__interval', '1m')
    .replaceAll('"$connector"', '".*"');
}

/** `label_values(metric, label)`, a Grafana variable of a Prometheus data source. */
export function labelValuesQuery(text: string): { metric: string; label: string } | undefined {
  const m = /^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$/.exec(text.trim());
  return m ? { metric: m[1]!, label: m[2]! } : undefined;
}

export type Selector = { metric: string; equals: Record<string, string>; labels: string[] };
export type ParsedPromql = { errors: string[]; selectors: Selector[]; groupingLabels: string[] };

/**
 * Parses PromQL with the Prometheus project's own grammar (@prometheus-io/lezer-promql, the one
 * Prometheus's web UI uses). Lezer recovers from errors, so an error is an error node in the tree.
 * Returns the vector selectors (metric, label matchers) and the labels of by/without/on/ignoring.
 */
export function parsePromql(expr: string): ParsedPromql {
  const tree = parser.parse(expr);
  const text = (from: number, to: number) => expr.slice(from, to);
  const errors: string[] = [];
  const selectors: Selector[] = [];
  const groupingLabels: string[] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError) errors.push(`syntax error at ${node.from}: "${text(Math.max(0, node.from - 10), node.to + 10)}"`);
      if (node.name === 'GroupingLabels') {
        for (let c = node.node.firstChild; c; c = c.nextSibling) if (c.name === 'LabelName') groupingLabels.push(text(c.from, c.to));
      }
      if (node.name === 'VectorSelector') {
        const selector: Selector = { metric: '', equals: {}, labels: [] };
        const identifier = node.node.getChild('Identifier');
        if (identifier) selector.metric = text(identifier.from, identifier.to);
        for (const matcher of node.node.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher') ?? []) {
          const name = matcher.getChild('LabelName');
          const op = matcher.getChild('MatchOp');
          const value = matcher.getChild('StringLiteral');
          if (!name || !op || !value) continue;
          const label = text(name.from, name.to);
          selector.labels.push(label);
          if (text(op.from, op.to) === '=') selector.equals[label] = JSON.parse(text(value.from, value.to)) as string;
        }
        selectors.push(selector);
      }
    },
  });
  if (!expr.trim()) errors.push('empty expression');
  return { errors, selectors, groupingLabels };
}

export type Sample = { metric: string; labels: Record<string, string>; value: number };

/** Prometheus text exposition: each sample's metric name, labels and value. */
export function exposedSeries(text: string): Sample[] {
  const series: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = JSON.parse(`"${l[2]!}"`) as string;
    series.push({ metric: m[1]!, labels, value: Number(m[3]) });
  }
  return series;
}

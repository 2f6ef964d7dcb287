import type { ChartData, Column, Figure, SectionData, TableData } from './reportModel';

/** Every directory string is attacker-controlled (display names): nothing reaches the page unescaped. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface ConnectorReport {
  connectorId: string;
  tenantId: string;
  sections: SectionData[];
}

/** The body of the page; charts are placeholders filled by the page script from `charts` (embedded as JSON). */
export function renderBody(connectors: ConnectorReport[]): { html: string; charts: Omit<ChartData, 'id' | 'title' | 'sql'>[] } {
  const charts: Omit<ChartData, 'id' | 'title' | 'sql'>[] = [];
  const chart = (c: ChartData) => {
    charts.push({ type: c.type, labels: c.labels, datasets: c.datasets, stacked: c.stacked, horizontal: c.horizontal, yTitle: c.yTitle });
    const height = c.horizontal ? Math.max(160, 60 + 24 * c.labels.length) : 260;
    return `<figure class="chart" data-chart="${c.id}">
<figcaption>${escapeHtml(c.title)}</figcaption>
<div class="chart-box" style="height:${height}px"><canvas data-chart-index="${charts.length - 1}" role="img" aria-label="${escapeHtml(c.title)}"></canvas></div>
${sqlDetails(c.sql)}</figure>`;
  };
  const html = connectors
    .map(
      (c) => `<article class="connector" data-connector="${escapeHtml(c.connectorId)}">
<h1>Connector ${escapeHtml(c.connectorId)} <small>tenant ${escapeHtml(c.tenantId)}</small></h1>
<nav>${c.sections.map((s) => `<a href="#${anchor(c.connectorId, s.id)}">${escapeHtml(s.title)}</a>`).join(' · ')}</nav>
${c.sections.map((s) => renderSection(c.connectorId, s, chart)).join('\n')}
</article>`,
    )
    .join('\n');
  return { html, charts };
}

const anchor = (connectorId: string, sectionId: string) => `${encodeURIComponent(connectorId)}-${sectionId}`;

function renderSection(connectorId: string, s: SectionData, chart: (c: ChartData) => string): string {
  return `<section class="report-section" id="${escapeHtml(anchor(connectorId, s.id))}" data-section="${s.id}">
<h2>${escapeHtml(s.title)}</h2>
<p class="intro">${escapeHtml(s.intro)}</p>
<div class="figures">${s.figures.map(renderFigure).join('')}</div>
${s.notes.length ? `<ul class="notes">${s.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : ''}
${s.charts.map(chart).join('\n')}
${s.tables.map(renderTable).join('\n')}
</section>`;
}

function renderFigure(f: Figure): string {
  return `<div class="figure" data-figure="${f.id}"><span class="value">${escapeHtml(String(f.value))}</span><span class="label">${escapeHtml(f.label)}</span>${sqlDetails(f.sql)}</div>`;
}

function renderTable(t: TableData): string {
  const head = t.columns.map((c) => `<th scope="col" data-kind="${c.kind ?? 'text'}" tabindex="0">${escapeHtml(c.label)}</th>`).join('');
  const body = t.rows.map((row) => `<tr>${t.columns.map((c) => renderCell(c, row[c.key])).join('')}</tr>`).join('\n');
  const shown = t.rows.length < t.total ? `<p class="cap">Showing the first ${t.rows.length} of ${t.total} rows; the SQL below returns them all.</p>` : '';
  return `<div class="table-box" data-table="${t.id}" data-total="${t.total}">
<h3>${escapeHtml(t.title)} <small>(${t.total})</small></h3>
${t.rows.length ? `<input type="search" placeholder="Filter rows" aria-label="Filter ${escapeHtml(t.title)}">
<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table></div>` : `<p class="empty">${escapeHtml(t.empty)}</p>`}
${shown}${sqlDetails(t.sql)}</div>`;
}

function renderCell(column: Column, value: unknown): string {
  if (value === null || value === undefined) return `<td data-col="${column.key}"></td>`;
  if (value instanceof Date) return `<td data-col="${column.key}" data-v="${value.getTime()}">${formatTime(value)}</td>`;
  if (column.kind === 'number') return `<td data-col="${column.key}" data-v="${Number(value)}" class="num">${escapeHtml(String(value))}</td>`;
  const text = typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value);
  if (column.kind === 'link' && /^https?:\/\//.test(text)) return `<td data-col="${column.key}"><a href="${escapeHtml(text)}" rel="noreferrer">open in the Web UI</a></td>`;
  // Long texts (names, ids, messages) may break anywhere when printed, so a table fits the page.
  return `<td data-col="${column.key}"${text.length > LONG_TEXT ? ' class="long"' : ''}>${escapeHtml(text)}</td>`;
}

const LONG_TEXT = 24;

const formatTime = (d: Date) => d.toISOString().replace(/:\d{2}\.\d{3}Z$/, 'Z').replace('T', ' ');

function sqlDetails(sql: string): string {
  return `<details class="sql"><summary>SQL</summary><pre><code>${escapeHtml(sql)}</code></pre></details>`;
}

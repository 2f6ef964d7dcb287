import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { escapeHtml } from './renderReport';

/** Chart.js's UMD build as installed (the exact version package.json pins), read once per process. */
let chartLibrary: string | undefined;
function chartJs(): string {
  if (chartLibrary) return chartLibrary;
  // The package exports only its modules; the UMD build sits beside the CommonJS one.
  const file = path.join(path.dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');
  const code = readFileSync(file, 'utf8').replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');
  // Inside <script>, only these sequences could end or confuse the element; the library has none today.
  if (/<\/script|<!--|<script/i.test(code)) throw new Error(`${file} contains a sequence that cannot be inlined in <script>`);
  return (chartLibrary = code);
}

/** JSON inside <script type="application/json">: no '<' at all, so no </script> or <!-- can appear. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

// Draws the charts from the embedded data; sorts and filters every table. No framework.
const PAGE_SCRIPT = `(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  Chart.defaults.animation = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  document.querySelectorAll('canvas[data-chart-index]').forEach(function (canvas) {
    var spec = data.charts[Number(canvas.getAttribute('data-chart-index'))];
    var value = spec.horizontal ? 'x' : 'y', category = spec.horizontal ? 'y' : 'x';
    var scales = {};
    scales[category] = { stacked: !!spec.stacked, ticks: { autoSkip: !spec.horizontal } };
    scales[value] = { stacked: !!spec.stacked, beginAtZero: true, title: { display: !!spec.yTitle, text: spec.yTitle || '' } };
    new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets.map(function (d) {
        return { label: d.label, data: d.data, backgroundColor: d.color, borderColor: d.color };
      }) },
      options: { indexAxis: spec.horizontal ? 'y' : 'x', responsive: true, maintainAspectRatio: false, scales: scales,
                 plugins: { legend: { position: 'bottom' } } }
    });
  });
  document.querySelectorAll('.table-box').forEach(function (box) {
    var tbody = box.querySelector('tbody');
    if (!tbody) return;
    var input = box.querySelector('input[type=search]');
    input.addEventListener('input', function () {
      var needle = input.value.toLowerCase();
      tbody.querySelectorAll('tr').forEach(function (tr) {
        tr.hidden = needle !== '' && tr.textContent.toLowerCase().indexOf(needle) < 0;
      });
    });
    box.querySelectorAll('th').forEach(function (th, index) {
      function sort() {
        var ascending = th.getAttribute('aria-sort') !== 'ascending';
        box.querySelectorAll('th').forEach(function (other) { other.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        var keyed = th.getAttribute('data-kind') !== 'text' && th.getAttribute('data-kind') !== 'link';
        var rows = Array.prototype.slice.call(tbody.rows);
        rows.sort(function (a, b) {
          var x = a.cells[index], y = b.cells[index];
          var c = keyed ? (Number(x.getAttribute('data-v') || -Infinity) - Number(y.getAttribute('data-v') || -Infinity))
                        : x.textContent.localeCompare(y.textContent);
          return ascending ? c : -c;
        });
        rows.forEach(function (row) { tbody.appendChild(row); });
      }
      th.addEventListener('click', sort);
      th.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); } });
    });
  });
})();`;

const STYLE = `
:root { color-scheme: light; --ink: #1c2833; --muted: #566573; --line: #d5dbdb; --band: #f4f6f7; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); margin: 0 auto; max-width: 1200px; padding: 16px 24px 48px; }
header.page { border-bottom: 2px solid var(--ink); margin-bottom: 8px; }
header.page p { color: var(--muted); margin: 4px 0 8px; }
h1 { font-size: 22px; margin: 24px 0 4px; } h1 small { font-weight: normal; color: var(--muted); font-size: 14px; }
h2 { font-size: 19px; border-bottom: 1px solid var(--line); padding-bottom: 4px; margin-top: 32px; }
h3 { font-size: 15px; margin: 20px 0 6px; } h3 small { color: var(--muted); font-weight: normal; }
nav a { color: #1a5276; }
.intro, .notes, .cap, .empty { color: var(--muted); }
.figures { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.figure { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; min-width: 150px; background: var(--band); }
.figure .value { display: block; font-size: 24px; font-weight: 600; }
.figure .label { display: block; color: var(--muted); font-size: 12px; }
.chart { margin: 16px 0; } .chart figcaption { font-weight: 600; margin-bottom: 4px; }
.chart-box { position: relative; width: 100%; }
.scroll { max-height: 480px; overflow: auto; border: 1px solid var(--line); }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: break-word; min-width: 6em; }
td[data-col=owners] { min-width: 16em; }
th { position: sticky; top: 0; background: var(--band); cursor: pointer; user-select: none; white-space: nowrap; }
th[aria-sort=ascending]::after { content: " \\25B2"; } th[aria-sort=descending]::after { content: " \\25BC"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: #fbfcfc; }
input[type=search] { margin: 0 0 6px; padding: 4px 6px; width: 260px; max-width: 100%; }
details.sql summary { color: #1a5276; cursor: pointer; font-size: 12px; }
details.sql pre { background: var(--band); padding: 8px; overflow: auto; font-size: 12px; white-space: pre-wrap; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  nav, input[type=search], details.sql { display: none; }
  .report-section { break-before: page; }
  .scroll { max-height: none; overflow: visible; border: none; }
  th { position: static; white-space: normal; }
  th, td { min-width: 0 !important; padding: 2px 4px; }
  td.long { overflow-wrap: anywhere; }
  td[data-col=owners] { width: 30%; }
  tr, .figure, .chart { break-inside: avoid; }
  canvas { max-width: 100% !important; height: auto !important; }
  a { color: inherit; text-decoration: none; }
}`;

/** The whole file: nothing in it refers to anything outside it, and its policy forbids fetching anything. */
export function renderPage(page: { title: string; subtitle: string; body: string; charts: unknown }): string {
  const library = chartJs();
  const hash = (code: string) => `'sha256-${createHash('sha256').update(code).digest('base64')}'`;
  const policy = `default-src 'none'; script-src ${hash(library)} ${hash(PAGE_SCRIPT)}; style-src 'unsafe-inline'; img-src data:`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${policy}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header class="page"><h1>${escapeHtml(page.title)}</h1><p>${escapeHtml(page.subtitle)}</p></header>
${page.body}
<script type="application/json" id="report-data">${scriptJson({ charts: page.charts })}</script>
<script>${library}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

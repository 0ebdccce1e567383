/** HTML for the report: plain templates, every value escaped, inline CSS, no scripts, no remote assets. */
import type { BackendId } from '../backends/types.js';
import type { RefreshResult } from '../scorecard/refresh.js';
import type { Scorecard } from '../scorecard/scores.js';
import type { CellState, LatencyRow, MatrixCell, ReportData } from './data.js';
import { ADAPTER_LABELS } from './charts.js';
import { conformanceSection } from '../suite/conformanceHtml.js';

export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const n = (v: number | null | undefined, d = 1) => (v === null || v === undefined || Number.isNaN(v) ? '—' : v.toFixed(d));
const msText = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : v >= 10 ? `${v.toFixed(1)} ms` : `${v.toFixed(3)} ms`);
const tier = (t: number | null) => (t === null ? '—' : String(t));

const CSS = `
body{font-family:"DejaVu Sans",Verdana,sans-serif;margin:0 auto;max-width:1400px;padding:0 24px 48px;color:#222;line-height:1.4}
h1{margin-top:24px}h2{border-bottom:2px solid #4c78a8;padding-bottom:4px;margin-top:40px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f0f3f7}td.num{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:16px}.card{flex:1 1 420px;overflow-x:auto}
.charts{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}.chart svg{max-width:100%;height:auto}
.pass{background:#d9f2d9}.mismatch{background:#ffe0b2}.load-error,.run-error{background:#f8c9c9}.mixed{background:#fff3c4}
.unavailable,.not-run{background:#eee;color:#777}.documented-only{background:#fff;color:#777;font-style:italic}
.soft{color:#b23b3b;font-weight:bold}.note{color:#555;font-size:13px}nav a{margin-right:14px}
details summary{cursor:pointer;margin:8px 0}
`;

function scoreTable(card: Scorecard, caption: string): string {
  const rows = card.frameworks.map((f) => `<tr><td class="num">${f.rank ?? '—'}</td><td>${esc(f.name)}</td>${
    (['support_community', 'api_internals', 'platform'] as const).map((c) => `<td class="num">${n(f.categories[c].score)}</td>`).join('')
  }<td class="num">${n(f.overall.score)}</td><td class="num">${n(f.overall.published)}</td><td>${tier(f.tier)}</td></tr>`).join('');
  return `<div class="card"><h3>${esc(caption)}</h3><table><thead><tr><th>#</th><th>framework</th><th>S&amp;C</th><th>API</th><th>Platform</th><th>overall</th><th>published</th><th>tier</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

function refreshTable(r: RefreshResult): string {
  const rows = r.cells.map((c) => `<tr><td>${esc(c.name)}</td><td class="num">${n(c.articleOnnx, 0)}</td><td class="num">${n(c.refreshedOnnx, 0)}</td><td>${esc(c.basis)}</td>
<td class="num">${n(c.platform.article)} → ${n(c.platform.refreshed)}</td><td class="num">${n(c.overall.article)} → ${n(c.overall.refreshed)}</td>
<td class="num">${c.rank.article ?? '—'} → ${c.rank.refreshed ?? '—'}</td><td>${tier(c.tier.article)} → ${tier(c.tier.refreshed)}${c.tier.article !== c.tier.refreshed ? ' <b>changed</b>' : ''}</td>
<td>${esc(c.explanation)}${c.records.length ? `<br>${c.records.slice(0, 3).map((id) => `<a href="records/${esc(id)}.json">${esc(id)}</a>`).join(', ')}${c.records.length > 3 ? ` +${c.records.length - 3}` : ''}` : ''}</td></tr>`).join('');
  return `<div class="card"><h3>Refreshed from evidence (policy ${esc(r.policy)}, ${esc(r.view)} view, ${r.recordCount} record(s)${r.evidenceSource?.kind === 'shipped' ? `, the SHIPPED snapshot made ${esc(r.evidenceSource.createdAt?.slice(0, 10) ?? '')} on ${esc(r.evidenceSource.machine ?? '')}` : ''})</h3>
<table><thead><tr><th>framework</th><th>ONNX article</th><th>ONNX refreshed</th><th>basis</th><th>Platform</th><th>overall</th><th>rank</th><th>tier</th><th>evidence</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

function cellText(c: MatrixCell): string {
  if (c.state === 'documented only' || c.state === 'unavailable' || c.state === 'not run') return c.state;
  const parts = Object.entries(c.counts).map(([k, v]) => `${v} ${k}`).join(', ');
  return `${parts}${c.adapters.includes('software') ? ' <span class="soft">(software)</span>' : ''}`;
}

function matrixTable(m: ReportData['matrix']): string {
  const cls = (s: CellState) => s.replace(/ /g, '-');
  const head = m.backends.map((b) => `<th>${esc(b)}</th>`).join('');
  const rows = m.frameworks.map((fw) => `<tr><th>${esc(fw)}</th>${m.backends.map((b: BackendId) => {
    const c = m.cells.find((x) => x.framework === fw && x.backend === b)!;
    const links = c.records.slice(0, 2).map((id) => `<a href="records/${esc(id)}.json">record</a>`).join(' ');
    return `<td class="${cls(c.state)}" data-state="${esc(c.state)}">${cellText(c)}${links ? `<br>${links}` : ''}</td>`;
  }).join('')}</tr>`).join('');
  return `<table id="matrix"><thead><tr><th>framework</th>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

function latencyTable(rows: LatencyRow[]): string {
  const body = rows.map((r) => `<tr><td>${esc(r.model)}</td><td>${esc(r.backend)}</td><td${r.adapter === 'software' ? ' class="soft"' : ''}>${esc(ADAPTER_LABELS[r.adapter] ?? r.adapter)}</td>
<td class="num">${r.n}</td><td class="num">${msText(r.min)}</td><td class="num">${msText(r.p50)}</td><td class="num">${msText(r.p90)}</td><td class="num">${msText(r.p99)}</td><td class="num">${msText(r.max)}</td><td class="num">${msText(r.firstRunMs)}</td></tr>`).join('');
  return `<table id="latency-table"><thead><tr><th>model</th><th>backend</th><th>adapter</th><th>n</th><th>min</th><th>p50</th><th>p90</th><th>p99</th><th>max</th><th>first run</th></tr></thead><tbody>${body}</tbody></table>`;
}

function provenanceTable(p: ReportData['provenance']): string {
  const rows = p.map((m) => `<tr><td>${esc(m.id)}</td><td>${esc(m.framework)}</td><td>${esc(m.exporter)}</td><td>${esc(m.expectedProducer)}</td>
<td>${esc(m.source.repository)} @ ${esc(m.source.commit)} : ${esc(m.source.path)}</td><td>${esc(m.licence)}</td><td>${esc(m.reference.kind)}</td><td><code>${esc(m.sha256.slice(0, 16))}…</code></td></tr>`).join('');
  return `<table id="provenance"><thead><tr><th>model</th><th>framework</th><th>exporter</th><th>producer_name</th><th>source</th><th>licence</th><th>reference</th><th>sha256</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function runsTable(runs: ReportData['runs']): string {
  return runs.map((r) => `<details${runs.length <= 3 ? ' open' : ''}><summary><a href="records/${esc(r.id)}.json">${esc(r.id)}</a> — ${esc(r.kind)}, ${esc(r.createdAt)}, ${esc(r.machine)}: ${r.asExpected}/${r.results} results as expected</summary>
<table><thead><tr><th>backend</th><th>available</th><th>runtime (EP)</th><th>adapter</th><th>reason</th></tr></thead><tbody>${r.backends.map((b) => `<tr><td>${esc(b.id)}</td><td>${b.available ? 'yes' : 'no'}</td><td>${esc(b.runtime)}</td><td${b.adapter.startsWith('software') ? ' class="soft"' : ''}>${esc(b.adapter)}</td><td>${esc(b.reason ?? '')}</td></tr>`).join('')}</tbody></table></details>`).join('\n');
}

export interface Charts {
  categoryBars: { published: string; corrected: string; refreshed: string };
  overall: string;
  radars: { title: string; svg: string }[];
  latency: string;
}

export function renderPage(data: ReportData, charts: Charts): string {
  const { published, corrected, refreshed } = data.scorecards;
  const chart = (id: string, svg: string) => `<div class="chart" id="${esc(id)}">${svg}</div>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>onnx-workbench report</title><style>${CSS}</style></head>
<body>
<h1>onnx-workbench report</h1>
<p class="note">Generated ${esc(data.generatedAt)} from ${data.runs.length} evidence record(s). Source of the scores: ${esc(published.source.article.title)} (${esc(published.source.article.publisher)}, ${esc(published.source.article.published)}), digitized from its charts; ${esc(published.source.uncertainty.note)}</p>
<nav><a href="#scorecard">Scorecard</a><a href="#matrix-section">ONNX evidence matrix</a><a href="#latency-section">Latency</a><a href="#conformance-section">Conformance</a><a href="#provenance-section">Provenance</a><a href="#runs-section">Runs</a></nav>

<section id="scorecard"><h2>Scorecard: as published, corrected, refreshed</h2>
<p class="note">${esc(corrected.correction.why)}</p>
<div class="cards">${scoreTable(published, 'As published')}${scoreTable(corrected, 'Corrected (Chainer/Theano Platform labels swapped back)')}${scoreTable(refreshed.scorecard, `Refreshed ONNX column (${refreshed.policy})`)}</div>
${refreshTable(refreshed)}
<div class="charts">${chart('chart-overall', charts.overall)}</div>
<div class="charts">${chart('chart-bars-published', charts.categoryBars.published)}${chart('chart-bars-corrected', charts.categoryBars.corrected)}${chart('chart-bars-refreshed', charts.categoryBars.refreshed)}</div>
<h3>Radar charts by the article's tiers</h3>
<div class="charts">${charts.radars.map((r, i) => chart(`radar-${i}`, r.svg)).join('')}</div>
</section>

<section id="matrix-section"><h2>ONNX evidence matrix</h2>
<p class="note">Framework × backend, from the newest result per model and backend. "documented only": the registry claims support but no export was run here; "unavailable": the backend could not run on the machines that produced the evidence; <span class="soft">(software)</span>: WebGPU ran on SwiftShader, not a GPU.</p>
${matrixTable(data.matrix)}
</section>

<section id="latency-section"><h2>Latency</h2>
<p class="note">Distribution of timed runs per model and backend (min–max line, p50–p90 bar, p99 tick). <span class="soft">Software WebGPU (SwiftShader) runs on the CPU: its latency is not GPU latency.</span> The chart shows whole networks; every model is in the table.</p>
<div class="charts">${chart('chart-latency', charts.latency)}</div>
<details><summary>All ${data.latency.length} latency rows</summary>${latencyTable(data.latency)}</details>
</section>

<section id="conformance-section"><h2>Conformance</h2>${conformanceSection(data.conformance, esc)}</section>
<section id="provenance-section"><h2>Model provenance</h2>${provenanceTable(data.provenance)}</section>
<section id="runs-section"><h2>Runs: machines and runtime versions</h2>${runsTable(data.runs)}</section>
</body></html>
`;
}

/**
 * HTML for the report: plain templates, every value escaped, inline CSS, no scripts, no remote assets.
 * Order: key findings (what changed and what failed), the evidence matrix, one merged scorecard,
 * latency (per model, backend against backend), conformance, then provenance and runs collapsed.
 */
import type { BackendId } from '../backends/types.js';
import type { RefreshResult } from '../scorecard/refresh.js';
import type { Scorecard, FrameworkScore } from '../scorecard/scores.js';
import type {
  CellState,
  FailureFinding,
  Findings,
  LatencyComparison,
  LatencyRow,
  MatrixCell,
  ReportData,
} from './data.js';
import { ADAPTER_LABELS } from './charts.js';
import { conformanceSection } from '../suite/conformanceHtml.js';

export function esc(value: unknown): string {
  return String(value ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const n = (v: number | null | undefined, d = 1) =>
  v === null || v === undefined || Number.isNaN(v) ? '—' : v.toFixed(d);
const msText = (v: number) =>
  v >= 1000 ? `${(v / 1000).toFixed(2)} s` : v >= 10 ? `${v.toFixed(1)} ms` : `${v.toFixed(3)} ms`;
const tier = (t: number | null) => (t === null ? '—' : String(t));
const plural = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;

/** Models that are whole networks (the PyTorch operator tests stay in the tables only). */
export const isNetwork = (model: string) => !/^pytorch\/pytorch-(converted|operator)\//.test(model);

/**
 * Every table is its own horizontal scroll box (display:block + overflow-x), so no table widens the
 * page at 390 px; charts keep their natural size (text 11 px) and scroll inside their box when the
 * screen is narrower than they are.
 */
const CSS = `
*{box-sizing:border-box}
body{font-family:"DejaVu Sans",Verdana,sans-serif;margin:0 auto;max-width:1400px;padding:0 24px 48px;color:#222;line-height:1.4;overflow-wrap:anywhere}
@media (max-width:600px){body{padding:0 10px 32px}h1{font-size:24px}}
h1{margin-top:24px}h2{border-bottom:2px solid #4c78a8;padding-bottom:4px;margin-top:40px}
table{border-collapse:collapse;font-size:13px;margin:8px 0;display:block;overflow-x:auto;max-width:100%;overflow-wrap:normal}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f0f3f7}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.charts{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}
.chart{max-width:100%;overflow-x:auto}.chart svg{display:block;max-width:none;height:auto}
.pass{background:#d9f2d9}.mismatch{background:#ffe0b2}.load-error,.run-error{background:#f8c9c9}.mixed{background:#fff3c4}
.unavailable,.not-run{background:#eee;color:#777}.documented-only{background:#fff;color:#777;font-style:italic}
.soft{color:#b23b3b;font-weight:bold}.note{color:#555;font-size:13px}nav a{margin-right:14px;display:inline-block}
td.changed{background:#fff3c4}td .was{display:block;font-size:11px;color:#666;white-space:normal}td.basis{min-width:280px}td.changed{min-width:76px}
.fastest{font-weight:bold}.ratio{display:block;font-size:11px;color:#666}
#findings ul{padding-left:20px}#findings li{margin:6px 0}#findings .bad{color:#b23b3b;font-weight:bold}
details summary{cursor:pointer;margin:8px 0}
`;

const VIEWS = ['as published', 'corrected', 'refreshed'] as const;

/**
 * A score in the merged scorecard: the refreshed value, and when an earlier view differs, the cell is
 * marked and the earlier values are listed under it ("was 72.1 published, 72.0 corrected").
 */
function scoreCell(values: [number | null, number | null, number | null], digits = 1): string {
  const [pub, cor, ref] = values.map((v) => (v === null ? null : Number(v.toFixed(digits))));
  const changed = pub !== ref || cor !== ref;
  if (!changed) return `<td class="num">${n(ref, digits)}</td>`;
  const was = [pub !== ref ? `pub ${n(pub, digits)}` : '', cor !== ref && cor !== pub ? `cor ${n(cor, digits)}` : '']
    .filter(Boolean)
    .join(', ');
  const title = VIEWS.map((v, i) => `${v} ${n([pub, cor, ref][i], digits)}`).join(' · ');
  return `<td class="num changed" data-changed="true" title="${esc(title)}">${n(ref, digits)}<span class="was">was ${esc(was)}</span></td>`;
}

function rankCell(
  kind: string,
  values: [number | null, number | null, number | null],
  show: (v: number | null) => string,
): string {
  const [pub, cor, ref] = values;
  if (pub === ref && cor === ref) return `<td class="num">${show(ref)}</td>`;
  const was = [pub !== ref ? `pub ${show(pub)}` : '', cor !== ref && cor !== pub ? `cor ${show(cor)}` : '']
    .filter(Boolean)
    .join(', ');
  return `<td class="num changed" data-changed="true" title="${esc(kind)}">${show(ref)}<span class="was">was ${esc(was)}</span></td>`;
}

/**
 * One scorecard for the three views: each row the refreshed values, every cell where the published
 * or corrected view differs marked, with what it was. `overall` sits next to the name, so it is on
 * screen at 390 px.
 */
function mergedScorecard(published: Scorecard, corrected: Scorecard, refreshed: RefreshResult): string {
  const byId = (card: Scorecard) => new Map(card.frameworks.map((f) => [f.id, f]));
  const pub = byId(published);
  const cor = byId(corrected);
  const cells = new Map(refreshed.cells.map((c) => [c.framework, c]));
  const cats = ['support_community', 'api_internals', 'platform'] as const;
  const three = (
    id: string,
    get: (f: FrameworkScore) => number | null,
  ): [number | null, number | null, number | null] => {
    const r = refreshed.scorecard.frameworks.find((f) => f.id === id)!;
    return [pub.get(id) ? get(pub.get(id)!) : null, cor.get(id) ? get(cor.get(id)!) : null, get(r)];
  };
  const rows = refreshed.scorecard.frameworks
    .map((f) => {
      const c = cells.get(f.id);
      const onnx = c
        ? c.articleOnnx === c.refreshedOnnx
          ? `<td class="num">${n(c.refreshedOnnx, 0)}</td>`
          : `<td class="num changed" data-changed="true">${n(c.refreshedOnnx, 0)}<span class="was">was ${n(c.articleOnnx, 0)}</span></td>`
        : '<td class="num">—</td>';
      return `<tr data-framework="${esc(f.id)}">${rankCell(
        'rank',
        three(f.id, (x) => x.rank),
        (v) => (v === null ? '—' : String(v)),
      )}<th>${esc(f.name)}</th>${scoreCell(three(f.id, (x) => x.overall.score))}${rankCell(
        'tier',
        three(f.id, (x) => x.tier),
        tier,
      )}${cats.map((k) => scoreCell(three(f.id, (x) => x.categories[k].score))).join('')}${onnx}<td class="basis">${esc(c?.levelLabel ?? '')}</td></tr>`;
    })
    .join('');
  return `<table id="scorecard-table"><thead><tr><th>#</th><th>framework</th><th>overall</th><th>tier</th><th>S&amp;C</th><th>API</th><th>Platform</th><th>ONNX</th><th>ONNX evidence</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** What each refreshed ONNX cell rests on (collapsed: the scorecard above carries the numbers). */
function refreshDetails(r: RefreshResult): string {
  const rows = r.cells
    .map(
      (c) =>
        `<tr><th>${esc(c.name)}</th><td class="num">${n(c.articleOnnx, 0)} → ${n(c.refreshedOnnx, 0)}</td><td>${esc(c.basis)}</td><td>${esc(c.explanation)}${
          c.records.length
            ? `<br>${c.records
                .slice(0, 3)
                .map((id) => `<a href="records/${esc(id)}.json">${esc(id)}</a>`)
                .join(', ')}${c.records.length > 3 ? ` +${c.records.length - 3}` : ''}`
            : ''
        }</td></tr>`,
    )
    .join('');
  const source =
    r.evidenceSource?.kind === 'shipped'
      ? `, the SHIPPED snapshot made ${esc(r.evidenceSource.createdAt?.slice(0, 10) ?? '')} on ${esc(r.evidenceSource.machine ?? '')}`
      : '';
  return `<details id="refresh-details"><summary>What each refreshed ONNX cell rests on (policy ${esc(r.policy)}, ${esc(r.view)} view, ${plural(r.recordCount, 'record')}${source})</summary>
<table><thead><tr><th>framework</th><th>ONNX</th><th>basis</th><th>evidence</th></tr></thead><tbody>${rows}</tbody></table></details>`;
}

function cellText(c: MatrixCell): string {
  if (c.state === 'documented only' || c.state === 'unavailable' || c.state === 'not run') return c.state;
  const parts = Object.entries(c.counts)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
  return `${parts}${c.adapters.includes('software') ? ' <span class="soft">(software)</span>' : ''}`;
}

function matrixTable(m: ReportData['matrix']): string {
  const cls = (s: CellState) => s.replace(/ /g, '-');
  const head = m.backends.map((b) => `<th>${esc(b)}</th>`).join('');
  const rows = m.frameworks
    .map(
      (fw) =>
        `<tr><th>${esc(fw)}</th>${m.backends
          .map((b: BackendId) => {
            const c = m.cells.find((x) => x.framework === fw && x.backend === b)!;
            const links = c.records
              .slice(0, 2)
              .map((id) => `<a href="records/${esc(id)}.json">record</a>`)
              .join(' ');
            return `<td class="${cls(c.state)}" data-state="${esc(c.state)}">${cellText(c)}${links ? `<br>${links}` : ''}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('');
  return `<table id="matrix"><thead><tr><th>framework</th>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

/** Key findings: what a reader must see before any table. */
function findingsSection(f: Findings, data: ReportData): string {
  const items: string[] = [];
  const rank = (v: number | null) => (v === null ? '—' : String(v));
  if (f.scoreChanges.length) {
    const lines = f.scoreChanges.map((c) => {
      const parts = [
        c.rank.article !== c.rank.refreshed ? `rank ${rank(c.rank.article)} → ${rank(c.rank.refreshed)}` : '',
        c.tier.article !== c.tier.refreshed ? `tier ${tier(c.tier.article)} → ${tier(c.tier.refreshed)}` : '',
        c.onnx.article !== c.onnx.refreshed ? `ONNX ${n(c.onnx.article, 0)} → ${n(c.onnx.refreshed, 0)}` : '',
        `overall ${n(c.overall.article)} → ${n(c.overall.refreshed)}`,
      ].filter(Boolean);
      return `<li><b>${esc(c.name)}</b>: ${esc(parts.join(', '))} <span class="note">(${esc(c.basis)})</span></li>`;
    });
    items.push(
      `<li>Refreshing the ONNX column from the evidence changes ${plural(f.scoreChanges.length, 'framework')}:<ul>${lines.join('')}</ul></li>`,
    );
  } else items.push('<li>Refreshing the ONNX column from the evidence changes no rank, tier or ONNX score.</li>');
  const failing = f.failures.filter((g) => g.status !== 'no-reference').reduce((k, g) => k + g.models.length, 0);
  const unchecked = f.failures.filter((g) => g.status === 'no-reference').reduce((k, g) => k + g.models.length, 0);
  if (f.failures.length) {
    // Per backend: counts by status, then its causes by the classifier's kind (largest first), each with
    // one example line; the unexpected ones in full. Every group is listed in the details below.
    const lines = [...new Set(f.failures.map((g) => g.backend))].map((backend) => {
      const gs = f.failures.filter((g) => g.backend === backend);
      const byStatus = new Map<string, number>();
      for (const g of gs) byStatus.set(g.status, (byStatus.get(g.status) ?? 0) + g.models.length);
      const unexpected = gs.filter((g) => !g.expected);
      const kinds = new Map<string, { count: number; groups: number; example: FailureFinding }>();
      for (const g of gs) {
        const k = kinds.get(g.kind) ?? { count: 0, groups: 0, example: g };
        k.count += g.models.length;
        k.groups += 1;
        kinds.set(g.kind, k);
      }
      const causes = [...kinds]
        .sort((a, b) => b[1].count - a[1].count)
        .map(
          ([kind, k]) =>
            `<li>${esc(kind)} (${plural(k.count, 'model')}${k.groups > 1 ? `, ${k.groups} distinct causes, e.g.` : ''}): ${esc(k.example.cause)} <span class="note">${esc(k.example.models[0])}${k.example.models.length > 1 ? ` +${k.example.models.length - 1}` : ''}</span></li>`,
        )
        .join('');
      const status = [...byStatus].map(([s, k]) => `${k} ${esc(s)}`).join(', ');
      const bad = unexpected.length
        ? ` <span class="bad">${unexpected.reduce((k, g) => k + g.models.length, 0)} not as expected: ${unexpected
            .map((g) => `${esc(g.models.join(', '))} ${esc(g.status)}`)
            .join('; ')}</span>`
        : ' (all expected: recorded in the manifests)';
      return `<li data-backend="${esc(backend)}"><b>${esc(backend)}</b>: ${status}${bad}<ul>${causes}</ul></li>`;
    });
    const all = f.failures
      .map(
        (g) =>
          `<tr><td>${esc(g.backend)}</td><td>${esc(g.status)}${g.expected ? '' : ' <span class="bad">!</span>'}</td><td class="num">${g.models.length}</td><td>${esc(g.cause)}</td><td>${g.models.map(esc).join(', ')}</td></tr>`,
      )
      .join('');
    items.push(
      `<li>Of ${f.results} results (newest per model and backend), ${f.pass} pass, ${failing} fail${unchecked ? `, ${unchecked} run without a reference (outputs unchecked)` : ''}:<ul>${lines.join('')}</ul>
<details><summary>Every non-pass, grouped by backend and cause (${f.failures.length} groups)</summary><table id="failures"><thead><tr><th>backend</th><th>status</th><th>models</th><th>cause and fix</th><th>which</th></tr></thead><tbody>${all}</tbody></table></details></li>`,
    );
  } else if (f.results) items.push(`<li>All ${f.results} results (newest per model and backend) pass.</li>`);
  else items.push('<li>No results in the evidence yet: run <code>onnx-workbench verify</code>.</li>');
  if (f.fallbacks.length) {
    const lines = f.fallbacks.map(
      (x) =>
        `<li><b>${esc(x.backend)}</b> ${esc(x.model)}: ${x.groups.map((g) => `${g.nodes} on ${esc(g.executionProvider)}`).join(', ')}</li>`,
    );
    items.push(
      `<li>${plural(f.fallbacks.length, 'result')} did not run every node on one execution provider (fallback):<ul>${lines.join('')}</ul></li>`,
    );
  } else
    items.push(
      f.placementsRecorded
        ? `<li>No fallback: in the ${plural(f.placementsRecorded, 'result')} whose node placement was recorded, every node ran on one execution provider.</li>`
        : '<li>Node placement (fallback to another execution provider) is not recorded in this evidence; <code>onnx-workbench path</code> shows it for a model.</li>',
    );
  if (f.software.length)
    items.push(
      `<li class="soft">WebGPU ran on a software adapter (${f.software.map((s) => `${esc(s.backend)}: ${esc(s.adapter)}`).join('; ')}): it runs on the CPU, so its latency is not GPU latency, and no result here says how a GPU behaves.</li>`,
    );
  if (f.unavailable.length)
    items.push(
      `<li>Unavailable where the evidence was made: ${f.unavailable.map((u) => `<b>${esc(u.backend)}</b> (${esc(u.reason)})`).join('; ')}.</li>`,
    );
  const gaps = data.conformance?.gaps.filter((g) => g.cases.length) ?? [];
  if (gaps.length)
    items.push(
      `<li>Conformance: ${gaps.map((g) => `${plural(g.cases.length, 'case')} pass on cpu and not on ${esc(g.backend)}`).join('; ')} (see <a href="#conformance-section">Conformance</a>).</li>`,
    );
  return `<section id="findings"><h2>Key findings</h2><ul>${items.join('\n')}</ul></section>`;
}

/** Per model: the median on each backend side by side, its ratio to cpu, the fastest (non-software) in bold. */
function latencyByModelTable(cmp: { backends: BackendId[]; models: LatencyComparison[] }, id: string): string {
  const head = cmp.backends.map((b) => `<th>${esc(b)}</th>`).join('');
  const rows = cmp.models
    .map(
      (m) =>
        `<tr><th>${esc(m.model)}</th>${cmp.backends
          .map((b) => {
            const c = m.cells[b];
            if (!c) return '<td class="num">—</td>';
            const cls = [b === m.fastest ? 'fastest' : '', c.adapter === 'software' ? 'soft' : '']
              .filter(Boolean)
              .join(' ');
            const ratio =
              b !== 'cpu' && c.vsCpu !== undefined ? `<span class="ratio">${c.vsCpu.toFixed(2)}× cpu</span>` : '';
            return `<td class="num${cls ? ` ${cls}` : ''}" title="median of ${c.n} runs${c.adapter === 'software' ? '; software WebGPU: not GPU latency' : ''}">${msText(c.p50)}${ratio}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('');
  return `<table id="${esc(id)}"><thead><tr><th>model</th>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

function latencyTable(rows: LatencyRow[]): string {
  const body = rows
    .map(
      (
        r,
      ) => `<tr><td>${esc(r.model)}</td><td>${esc(r.backend)}</td><td${r.adapter === 'software' ? ' class="soft"' : ''}>${esc(ADAPTER_LABELS[r.adapter] ?? r.adapter)}</td>
<td class="num">${r.n}</td><td class="num">${msText(r.min)}</td><td class="num">${msText(r.p50)}</td><td class="num">${msText(r.p90)}</td><td class="num">${msText(r.p99)}</td><td class="num">${msText(r.max)}</td><td class="num">${msText(r.firstRunMs)}</td></tr>`,
    )
    .join('');
  return `<table id="latency-table"><thead><tr><th>model</th><th>backend</th><th>adapter</th><th>n</th><th>min</th><th>p50</th><th>p90</th><th>p99</th><th>max</th><th>first run</th></tr></thead><tbody>${body}</tbody></table>`;
}

function provenanceTable(p: ReportData['provenance']): string {
  const rows = p
    .map(
      (
        m,
      ) => `<tr><td>${esc(m.id)}</td><td>${esc(m.framework)}</td><td>${esc(m.exporter)}</td><td>${esc(m.expectedProducer)}</td>
<td>${esc(m.source.repository)} @ ${esc(m.source.commit)} : ${esc(m.source.path)}</td><td>${esc(m.licence)}</td><td>${esc(m.reference.kind)}</td><td><code>${esc(m.sha256.slice(0, 16))}…</code></td></tr>`,
    )
    .join('');
  return `<details id="provenance-details"><summary>${p.length} bundled models: source, exporter, licence, reference, sha256</summary><table id="provenance"><thead><tr><th>model</th><th>framework</th><th>exporter</th><th>producer_name</th><th>source</th><th>licence</th><th>reference</th><th>sha256</th></tr></thead><tbody>${rows}</tbody></table></details>`;
}

function runsTable(runs: ReportData['runs']): string {
  return runs
    .map(
      (
        r,
      ) => `<details${runs.length <= 3 ? ' open' : ''}><summary><a href="records/${esc(r.id)}.json">${esc(r.id)}</a> — ${esc(r.kind)}, ${esc(r.createdAt)}, ${esc(r.machine)}: ${r.asExpected}/${r.results} results as expected</summary>
<table><thead><tr><th>backend</th><th>available</th><th>runtime (EP)</th><th>adapter</th><th>reason</th></tr></thead><tbody>${r.backends.map((b) => `<tr><td>${esc(b.id)}</td><td>${b.available ? 'yes' : 'no'}</td><td>${esc(b.runtime)}</td><td${b.adapter.startsWith('software') ? ' class="soft"' : ''}>${esc(b.adapter)}</td><td>${esc(b.reason ?? '')}</td></tr>`).join('')}</tbody></table></details>`,
    )
    .join('\n');
}

export interface Charts {
  /** The refreshed view's categories and overall. */
  categoryBars: string;
  overall: string;
  radars: { title: string; svg: string }[];
  latency: string;
}

export function renderPage(data: ReportData, charts: Charts): string {
  const { published, corrected, refreshed } = data.scorecards;
  const chart = (id: string, svg: string) => `<div class="chart" id="${esc(id)}">${svg}</div>`;
  const networks = {
    backends: data.latencyByModel.backends,
    models: data.latencyByModel.models.filter((m) => isNetwork(m.model)),
  };
  const others = {
    backends: data.latencyByModel.backends,
    models: data.latencyByModel.models.filter((m) => !isNetwork(m.model)),
  };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>onnx-workbench report</title><style>${CSS}</style></head>
<body>
<h1>onnx-workbench report</h1>
<p class="note">Generated ${esc(data.generatedAt)} from ${plural(data.runs.length, 'evidence record')}${
    refreshed.evidenceSource?.kind === 'shipped'
      ? `: the snapshot SHIPPED with the package (made ${esc(refreshed.evidenceSource.createdAt?.slice(0, 10) ?? '')} on ${esc(refreshed.evidenceSource.machine ?? '')}), not a run on this machine`
      : ''
  }.</p>
${findingsSection(data.findings, data)}
<nav><a href="#matrix-section">Evidence matrix</a><a href="#scorecard">Scorecard</a><a href="#latency-section">Latency</a><a href="#conformance-section">Conformance</a><a href="#provenance-section">Provenance</a><a href="#runs-section">Runs</a></nav>

<section id="matrix-section"><h2>ONNX evidence matrix</h2>
<p class="note">Framework × backend, from the newest result per model and backend. "documented only": the registry claims support but no export was run here; "unavailable": the backend could not run on the machines that produced the evidence; <span class="soft">(software)</span>: WebGPU ran on SwiftShader, not a GPU.</p>
${matrixTable(data.matrix)}
</section>

<section id="scorecard"><h2>Scorecard</h2>
<p class="note">One row per framework in the refreshed view (ONNX column from the evidence, policy ${esc(refreshed.policy)}). A <span style="background:#fff3c4">marked</span> cell differs in another view and says what it was there: "pub", the article's charts as labelled; "cor", corrected (Chainer's and Theano's Platform labels swapped back, the view the refresh starts from). Source: ${esc(published.source.article.title)} (${esc(published.source.article.publisher)}, ${esc(published.source.article.published)}), digitized from its charts; ${esc(published.source.uncertainty.note)}</p>
${mergedScorecard(published, corrected, refreshed)}
<details><summary>Why the corrected view</summary><p class="note">${esc(corrected.correction.why)}</p></details>
${refreshDetails(refreshed)}
<div class="charts">${chart('chart-overall', charts.overall)}${chart('chart-bars', charts.categoryBars)}</div>
<details><summary>Radar charts by the article's tiers (refreshed)</summary>
<div class="charts">${charts.radars.map((r, i) => chart(`radar-${i}`, r.svg)).join('')}</div></details>
</section>

<section id="latency-section"><h2>Latency</h2>
<p class="note">Median latency per model on each backend, with its ratio to cpu; the fastest backend in bold (software WebGPU never counts as fastest). <span class="soft">Software WebGPU (SwiftShader) runs on the CPU: its latency is not GPU latency.</span></p>
${networks.models.length ? latencyByModelTable(networks, 'latency-by-model') : '<p class="note">No latency in the evidence yet: run onnx-workbench verify or bench.</p>'}
${others.models.length ? `<details><summary>${plural(others.models.length, 'operator test')} (PyTorch's converted and operator cases)</summary>${latencyByModelTable(others, 'latency-by-model-ops')}</details>` : ''}
<div class="charts">${chart('chart-latency', charts.latency)}</div>
<p class="note">The chart: distribution of timed runs per network and backend (min–max line, p50–p90 bar, p99 tick).</p>
<details><summary>All ${data.latency.length} latency rows (min, p50, p90, p99, max, first run)</summary>${latencyTable(data.latency)}</details>
</section>

<section id="conformance-section"><h2>Conformance</h2>${conformanceSection(data.conformance, esc, data.suiteSkipped)}</section>
<section id="provenance-section"><h2>Model provenance</h2>${provenanceTable(data.provenance)}</section>
<section id="runs-section"><h2>Runs: machines and runtime versions</h2>${runsTable(data.runs)}</section>
</body></html>
`;
}

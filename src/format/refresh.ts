/** The refreshed ONNX column as a terminal table, markdown, JSON or CSV. */
import { renderTable, type Column } from './table.js';
import { safeText, wrap } from './terminal.js';
import { stdoutContext, type RenderContext } from './terminal.js';
import { viewLine } from './scorecard.js';
import type { RefreshResult, RefreshedCell } from '../scorecard/refresh.js';
import type { ScoreFormat } from './scorecard.js';
import { csvLine } from '../scorecard/csv.js';

const n = (v: number | null, d = 1) => (v === null ? '—' : v.toFixed(d));
const move = (a: number | null, b: number | null, d = 1) =>
  a === null || b === null ? '—' : a === b ? n(b, d) : `${n(a, d)} → ${n(b, d)}`;
const tier = (t: number | null) => (t === null ? '—' : String(t));
const tierMove = (c: RefreshedCell) =>
  c.tier.article === c.tier.refreshed ? tier(c.tier.refreshed) : `${tier(c.tier.article)} → ${tier(c.tier.refreshed)}`;
const rankMove = (c: RefreshedCell) =>
  c.rank.article === c.rank.refreshed ? String(c.rank.refreshed) : `${c.rank.article} → ${c.rank.refreshed}`;

function evidenceCell(c: RefreshedCell): string {
  const g = c.grade;
  if (!g) return 'documented only';
  const byLevel = new Map<string, number>();
  for (const e of g.exports) {
    const k = e.level ? `L${e.level}` : e.outcome;
    byLevel.set(k, (byLevel.get(k) ?? 0) + 1);
  }
  const parts = [...byLevel].map(([k, n]) => `${n}×${k}`);
  const newest = c.exporterVersions.length ? ` exporter ${c.exporterVersions[c.exporterVersions.length - 1]}` : '';
  const user = c.userEvidence.models ? ` (+${c.userEvidence.models} user model(s), not counted)` : '';
  return `${parts.join(', ') || 'no graded export'}${c.backends.length ? ` [${c.backends.join(', ')}]` : ''}${newest}${user}`;
}

function recordsCell(c: RefreshedCell, max = 2): string {
  if (c.records.length === 0) return 'documented only';
  return c.records.slice(0, max).join(', ') + (c.records.length > max ? ` +${c.records.length - max}` : '');
}

function header(r: RefreshResult): string[] {
  const src = r.evidenceSource;
  const from =
    src?.kind === 'shipped'
      ? `the SHIPPED evidence snapshot (${src.path}, made ${src.createdAt?.slice(0, 10) ?? 'unknown'} on ${src.machine ?? 'unknown'}; your evidence folder has none)`
      : src
        ? src.path
        : 'the evidence';
  return [
    viewLine(r.view),
    `Refreshed ONNX support (policy ${r.policy}) from ${r.recordCount} evidence record(s) in ${from}.`,
    'Levels: 1 exporter outputs, 2 independent reference, 3 runs and backends agree (no reference), 4 exports fail to load today, 5 documented only. Only bundled or zoo exports count; user models are shown apart.',
    r.policy === 'strict'
      ? "strict: levels 1-3 score the exporter's level (built-in 100, community 50); levels 4-5 and mismatch-only score 0."
      : "documented: the registry's best level (export or import) counts; evidence is shown beside it.",
  ];
}

const HEAD = [
  'framework',
  'ONNX article',
  'ONNX refreshed',
  'basis',
  'evidence',
  'Platform',
  'overall',
  'rank',
  'tier',
  'records',
];

function rows(r: RefreshResult, recordMax: number): string[][] {
  return r.cells.map((c) => [
    c.name,
    n(c.articleOnnx, 0),
    n(c.refreshedOnnx, 0),
    c.basis,
    evidenceCell(c),
    move(c.platform.article, c.platform.refreshed),
    move(c.overall.article, c.overall.refreshed),
    rankMove(c),
    tierMove(c),
    recordsCell(c, recordMax),
  ]);
}

export function formatRefresh(r: RefreshResult, format: ScoreFormat, ctx: RenderContext = stdoutContext()): string {
  if (format === 'json') return JSON.stringify(r, null, 1);
  if (format === 'csv') {
    const lines = [
      csvLine([
        'framework',
        'onnx_article',
        'onnx_refreshed',
        'level',
        'basis',
        'explanation',
        'platform_article',
        'platform_refreshed',
        'overall_article',
        'overall_refreshed',
        'rank_article',
        'rank_refreshed',
        'tier_article',
        'tier_refreshed',
        'records',
        'policy',
        'view',
      ]),
    ];
    for (const c of r.cells) {
      lines.push(
        csvLine([
          c.framework,
          c.articleOnnx,
          c.refreshedOnnx,
          c.level,
          c.basis,
          c.explanation,
          c.platform.article,
          c.platform.refreshed,
          c.overall.article,
          c.overall.refreshed,
          c.rank.article,
          c.rank.refreshed,
          c.tier.article,
          c.tier.refreshed,
          c.records.join(' '),
          r.policy,
          r.view,
        ]),
      );
    }
    return lines.join('\n');
  }
  if (format === 'markdown') {
    const esc = (s: string) => s.replace(/\|/g, '\\|');
    const lines = [
      ...header(r).map((h) => `${h}  `),
      '',
      `| ${HEAD.join(' | ')} |`,
      `|${HEAD.map(() => '---').join('|')}|`,
    ];
    for (const row of rows(r, 2)) lines.push(`| ${row.map(esc).join(' | ')} |`);
    lines.push('', ...r.cells.map((c) => `- **${c.name}**: ${c.explanation}`));
    return lines.join('\n');
  }
  if (ctx.width < 100) {
    // Narrow: ONNX as "article → refreshed" in one column; evidence and records stay in the lines below.
    const narrow: Column[] = [
      { header: 'framework', min: 10 },
      { header: 'ONNX' },
      { header: 'basis', flex: true, note: true, min: 8 },
      { header: 'Platform' },
      { header: 'overall' },
      { header: 'rank' },
      { header: 'tier' },
    ];
    const cells = r.cells.map((c) => [
      c.name,
      move(c.articleOnnx, c.refreshedOnnx, 0),
      c.basis,
      move(c.platform.article, c.platform.refreshed),
      move(c.overall.article, c.overall.refreshed),
      rankMove(c),
      tierMove(c),
    ]);
    const text = (l: string) => wrap(safeText(l), ctx.width, '  ');
    return [
      ...header(r).flatMap(text),
      '',
      renderTable(narrow, cells, { width: ctx.width }),
      '',
      ...r.cells.flatMap((c) =>
        text(
          `${c.name}: ${c.explanation}${c.evidence ? `; evidence: ${evidenceCell(c)}; records: ${recordsCell(c, 2)}` : ''}`,
        ),
      ),
    ].join('\n');
  }
  const columns: Column[] = HEAD.map((header, i) => ({
    header,
    ...(i === 0 ? { min: 10 } : {}),
    ...(header === 'evidence' || header === 'records' || header === 'basis' ? { flex: true, note: true, min: 8 } : {}),
  }));
  const text = (l: string) => wrap(safeText(l), ctx.width, '  ');
  return [
    ...header(r).flatMap(text),
    '',
    renderTable(columns, rows(r, 1), { width: ctx.width }),
    '',
    ...r.cells.flatMap((c) => text(`${c.name}: ${c.explanation}`)),
  ].join('\n');
}

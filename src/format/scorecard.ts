/**
 * The scorecard as text: `table` (terminal, sized to its width), `markdown`, `json` (the Scorecard object,
 * numbers rounded to 4 decimals) and `csv` (one row per framework). Table and markdown open with the
 * view, source, reading uncertainty, method, tier rule and label correction; csv carries view,
 * uncertainty and source in columns.
 */
import { InputError } from '../errors.js';
import { renderTable, type Column } from './table.js';
import { wrap } from './terminal.js';
import { stdoutContext, type RenderContext } from './terminal.js';
import { csvLine } from '../scorecard/csv.js';
import { CATEGORIES, CATEGORY_LABELS, type Category } from '../scorecard/model.js';
import type { FrameworkScore, ScoreComparison, Scorecard } from '../scorecard/scores.js';
import type { Tier } from '../scorecard/tiers.js';

export const SCORE_FORMATS = ['table', 'markdown', 'json', 'csv'] as const;
export type ScoreFormat = (typeof SCORE_FORMATS)[number];

export function parseScoreFormat(value: string): ScoreFormat {
  if ((SCORE_FORMATS as readonly string[]).includes(value)) return value as ScoreFormat;
  throw new InputError(`unknown format '${value}' (choose from ${SCORE_FORMATS.join(', ')})`);
}

const SHORT: Readonly<Record<Category, string>> = {
  support_community: 'S&C',
  api_internals: 'API',
  platform: 'Platform',
};

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

const num = (v: number | null | undefined, digits = 1): string =>
  v === null || v === undefined ? '—' : v.toFixed(digits);
const signed = (v: number | null | undefined, digits = 1): string =>
  v === null || v === undefined ? '—' : `${v > 0 ? '+' : v < 0 ? '−' : '±'}${Math.abs(v).toFixed(digits)}`;
const tierText = (t: Tier | null): string => (t === null ? '—' : String(t));

/** `97.5 / 96.8` (recomputed / published), with `*` when the difference exceeds the reading uncertainty. */
function pair(c: ScoreComparison): string {
  return `${num(c.score)} / ${num(c.published)}${c.withinUncertainty === false ? ' *' : ''}`;
}

function change(f: FrameworkScore): string {
  const b = f.baseline;
  if (!b) return '';
  const parts: string[] = [];
  if (b.overall !== null && f.overall.score !== null) parts.push(`overall ${signed(f.overall.score - b.overall)}`);
  if (b.rank !== f.rank) parts.push(`rank ${b.rank ?? '—'}→${f.rank ?? '—'}`);
  if (b.tier !== f.tier) parts.push(`tier ${tierText(b.tier)}→${tierText(f.tier)}`);
  return parts.join(', ');
}

/** The first line of `scores`, `refresh` and `report`: which view, and that it is the one default of all three. */
export function viewLine(view: string): string {
  return view === 'corrected'
    ? 'View: corrected (the default of scores, refresh and report; --as-published for the charts as labelled)'
    : 'View: as-published (the charts as labelled; the default of scores, refresh and report is corrected)';
}

/** The lines that state what the numbers are. */
export function scorecardNotes(card: Scorecard): string[] {
  const a = card.source.article;
  const rule = card.tierRule.boundaries
    .map(
      (b) =>
        `Tier ${b.tier} ≥ ${round(b.minOverall, 2)} (between ${b.between[0].name} ${b.between[0].overall} and ${b.between[1].name} ${b.between[1].overall})`,
    )
    .join('; ');
  const correction = card.correction.applied
    ? `Correction applied: Chainer's and Theano's Platform criteria and Platform category scores are swapped. Why: ${card.correction.why}`
    : "Correction not applied: Chainer's and Theano's Platform values are as labelled in the source, which has them the wrong way round (see --corrected).";
  const lines = [
    viewLine(card.view),
    `Source: "${a.title}", ${a.author}, ${a.publisher}, ${a.published}, ${a.url}; digitized scores ${card.source.digitized.file} (${card.source.digitized.method}).`,
    `Reading uncertainty: ${card.source.uncertainty.note}`,
    `Method: ${card.method}`,
    `Tiers: ${rule}. ${card.tierRule.statement}`,
    correction,
  ];
  if (card.overrides.length) {
    lines.push(
      `Overrides: ${card.overrides.map((o) => `${o.framework}.${o.criterion} ${num(o.from, 0)}→${num(o.to, 0)}`).join(', ')}`,
    );
  }
  lines.push('Cells: recomputed / published; * marks a difference larger than the reading uncertainty.');
  return lines;
}

/** `narrow`: recomputed values only (published ones marked * when beyond the reading uncertainty), for terminals under 100 columns. */
function rows(card: Scorecard, narrow = false): string[][] {
  const withChange = card.overrides.length > 0;
  const cell = (c: ScoreComparison) =>
    narrow ? `${num(c.score)}${c.withinUncertainty === false ? '*' : ''}` : pair(c);
  return card.frameworks.map((f) => [
    String(f.rank ?? '—'),
    f.name,
    ...CATEGORIES.map((c) => cell(f.categories[c])),
    ...(narrow ? [num(f.overall.score), num(f.overall.published)] : [pair(f.overall)]),
    signed(f.overall.difference),
    tierText(f.tier),
    tierText(f.article.tier),
    ...(withChange ? [change(f)] : []),
  ]);
}

function head(card: Scorecard, narrow = false): string[] {
  return [
    'rank',
    'framework',
    ...CATEGORIES.map((c) => SHORT[c]),
    ...(narrow ? ['overall', 'published'] : ['overall']),
    narrow ? 'Δ' : 'Δ overall',
    'tier',
    narrow ? 'article' : 'article tier',
    ...(card.overrides.length ? ['change'] : []),
  ];
}

export function formatTable(card: Scorecard, ctx: RenderContext = stdoutContext()): string {
  const narrow = ctx.width < 100;
  const h = head(card, narrow);
  const columns: Column[] = h.map((header, i) => ({
    header,
    ...(i === 1 ? { min: 10 } : {}),
    ...(header === 'change' ? { flex: true, note: true } : {}),
    ...(i > 1 ? { align: 'right' as const } : {}),
  }));
  const [first, ...notes] = scorecardNotes(card);
  const rest = narrow
    ? [
        ...notes.slice(0, -1),
        'Cells: recomputed scores; * marks one whose published value differs by more than the reading uncertainty (published category values: a terminal of 100 columns or more, or --format markdown/csv).',
      ]
    : notes;
  return [
    ...wrap(first!, ctx.width, '  '),
    '',
    renderTable(columns, rows(card, narrow), { width: ctx.width }),
    '',
    ...rest.flatMap((l) => wrap(l, ctx.width, '  ')),
  ].join('\n');
}

export function formatMarkdown(card: Scorecard): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const h = head(card);
  const lines = [
    `## Deep Learning Showdown scorecard (${card.view})`,
    '',
    ...scorecardNotes(card).map((l) => `- ${esc(l)}`),
    '',
    `| ${h.map(esc).join(' | ')} |`,
    `|${h.map(() => '---').join('|')}|`,
    ...rows(card).map((r) => `| ${r.map(esc).join(' | ')} |`),
  ];
  const headers = CATEGORIES.map((c) => `${SHORT[c]} = ${CATEGORY_LABELS[c]}`).join(', ');
  lines.push('', `${headers}.`);
  return lines.join('\n');
}

export function formatJson(card: Scorecard): string {
  return JSON.stringify(card, (_k, v: unknown) => (typeof v === 'number' ? round(v, 4) : v), 2);
}

export function formatCsv(card: Scorecard): string {
  const cols = ['view', 'rank', 'id', 'name', 'tier', 'article_tier', 'article_rank'];
  for (const c of CATEGORIES) cols.push(c, `${c}_published`, `${c}_uncertainty`, `${c}_difference`, `${c}_na`);
  cols.push('overall', 'overall_published', 'overall_uncertainty', 'overall_difference', 'overall_within_uncertainty');
  const withBaseline = card.overrides.length > 0;
  if (withBaseline) cols.push('baseline_overall', 'baseline_rank', 'baseline_tier');
  cols.push('source');
  const n = (v: number | null): string => (v === null ? '' : String(round(v, 3)));
  const out = [csvLine(cols)];
  for (const f of card.frameworks) {
    const row: Array<string | number | null> = [
      card.view,
      f.rank,
      f.id,
      f.name,
      f.tier,
      f.article.tier,
      f.article.rank,
    ];
    for (const c of CATEGORIES) {
      const s = f.categories[c];
      row.push(n(s.score), n(s.published), n(s.uncertainty), n(s.difference), s.na.join(' '));
    }
    row.push(
      n(f.overall.score),
      n(f.overall.published),
      n(f.overall.uncertainty),
      n(f.overall.difference),
      f.overall.withinUncertainty === null ? '' : String(f.overall.withinUncertainty),
    );
    if (withBaseline) row.push(n(f.baseline?.overall ?? null), f.baseline?.rank ?? null, f.baseline?.tier ?? null);
    row.push(card.source.article.url);
    out.push(csvLine(row));
  }
  return out.join('\n');
}

export function formatScorecard(card: Scorecard, format: ScoreFormat): string {
  switch (format) {
    case 'table':
      return formatTable(card);
    case 'markdown':
      return formatMarkdown(card);
    case 'json':
      return formatJson(card);
    case 'csv':
      return formatCsv(card);
  }
}

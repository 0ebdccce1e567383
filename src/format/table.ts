/**
 * Plain terminal tables that fit: a header, a rule, one line per row (no row separators), columns
 * two spaces apart. When the natural widths exceed the terminal, the columns marked `flex` give up
 * room first (widest first), then the others down to their header; a cut cell ends in "…", and in a
 * `note` column a cut cell becomes "[n]" with the whole text as numbered note n below the table.
 * Every cell is passed through safeText: no control character from a model or runtime reaches the
 * terminal.
 */
import { cut, paint, safeText, visibleLength, wrap, type Paint } from './terminal.js';

export interface Column {
  header: string;
  align?: 'left' | 'right';
  /** May shrink before the other columns (free text: reasons, paths). */
  flex?: boolean;
  /** A cut cell is moved below the table as a numbered note instead of losing its end. */
  note?: boolean;
  /** Never narrower than this (default: the header's width, at most 12). */
  min?: number;
}

export interface TableOptions {
  width: number;
  /** Colour for a cell (applied after layout, so widths stay right). */
  colour?: (row: number, col: number, text: string) => Paint | undefined;
  colourOn?: boolean;
  /** Numbering of notes starts here (to share numbering across tables). */
  firstNote?: number;
}

export interface RenderedTable {
  lines: string[];
  notes: string[];
}

const GAP = 2;

function fitWidths(natural: number[], cellWidths: number[], columns: Column[], width: number): number[] {
  const widths = [...natural];
  const total = () => widths.reduce((a, b) => a + b, 0) + GAP * (widths.length - 1);
  const floor = (i: number) =>
    Math.min(natural[i]!, columns[i]!.min ?? Math.min(visibleLength(columns[i]!.header), 12));
  // Note columns lose nothing when cut (their text moves below), then free-text columns, then any.
  const shrink = (eligible: (c: Column) => boolean) => {
    while (total() > width) {
      let widest = -1;
      const lower = (i: number) => Math.min(widths[i]!, Math.max(floor(i), 4));
      for (let i = 0; i < widths.length; i++) {
        if (eligible(columns[i]!) && widths[i]! > lower(i) && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
      }
      if (widest < 0) break;
      const others = total() - widths[widest]!;
      widths[widest] = Math.max(lower(widest), Math.min(widths[widest]! - 1, width - others));
    }
  };
  // Note columns lose nothing when cut (their text moves below), then free-text columns give up room.
  shrink((c) => Boolean(c.note));
  shrink((c) => Boolean(c.flex));
  // Before a number or a status is cut, a header wider than its column's cells gives up its excess (it ends in "…").
  for (let i = 0; i < widths.length && total() > width; i++) {
    const spare = widths[i]! - Math.max(cellWidths[i]!, 4);
    if (spare > 0) widths[i] = widths[i]! - Math.min(spare, total() - width);
  }
  shrink(() => true);
  return widths;
}

/** Lay a table out in `options.width` columns. */
export function layoutTable(
  columns: Column[],
  rows: Array<Array<string | number | null | undefined>>,
  options: TableOptions,
): RenderedTable {
  const cells = rows.map((r) => columns.map((_, i) => safeText(r[i] ?? '')));
  const heads = columns.map((c) => safeText(c.header));
  const cellWidths = columns.map((_, i) => Math.max(0, ...cells.map((r) => visibleLength(r[i]!))));
  const natural = columns.map((_, i) => Math.max(visibleLength(heads[i]!), cellWidths[i]!));
  const widths = fitWidths(natural, cellWidths, columns, options.width);
  const notes: string[] = [];
  let next = options.firstNote ?? 1;
  const noted = new Map<string, number>();
  const pad = (s: string, i: number) => {
    const room = widths[i]! - visibleLength(s);
    return columns[i]!.align === 'right'
      ? `${' '.repeat(Math.max(0, room))}${s}`
      : `${s}${' '.repeat(Math.max(0, room))}`;
  };
  const joinLine = (parts: string[]) => parts.join(' '.repeat(GAP)).replace(/\s+$/, '');
  const lines = [joinLine(heads.map((h, i) => pad(cut(h, widths[i]!), i))), joinLine(widths.map((w) => '─'.repeat(w)))];
  cells.forEach((row, r) => {
    lines.push(
      joinLine(
        row.map((text, i) => {
          let shown = text;
          if (visibleLength(text) > widths[i]!) {
            if (columns[i]!.note) {
              let n = noted.get(text);
              if (n === undefined) {
                n = next++;
                noted.set(text, n);
                notes.push(`[${n}] ${text}`);
              }
              const ref = `[${n}]`;
              shown = visibleLength(ref) <= widths[i]! ? `${cut(text, widths[i]! - ref.length - 1)} ${ref}` : ref;
              if (widths[i]! - ref.length - 1 < 6) shown = ref;
            } else shown = cut(text, widths[i]!);
          }
          const colour = options.colour?.(r, i, text);
          return paint(pad(shown, i), colour, Boolean(options.colourOn && colour));
        }),
      ),
    );
  });
  return { lines, notes: notes.flatMap((n) => wrap(n, options.width, '    ')) };
}

/** The table and its notes as one string. */
export function renderTable(
  columns: Column[],
  rows: Array<Array<string | number | null | undefined>>,
  options: TableOptions,
): string {
  const t = layoutTable(columns, rows, options);
  return [...t.lines, ...(t.notes.length ? ['', ...t.notes] : [])].join('\n');
}

/** A paragraph of our own words holding model or runtime text: made safe, wrapped to the width. */
export function paragraph(text: string, width: number, indent = '  '): string {
  return wrap(safeText(text), width, indent).join('\n');
}

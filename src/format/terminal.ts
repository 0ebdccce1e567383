/**
 * What every text rendering needs from the terminal: its width, whether to colour, and text from a
 * model or a runtime made safe to print (control characters shown as escapes, never sent raw).
 */

/** C0 controls (tab and newline included), DEL, C1 controls, and the bidirectional overrides that reorder text. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(c: string): string {
  const code = c.codePointAt(0)!;
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  if (code === 0x1b) return '\\e';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * One line of text safe for a terminal: every control character (newline included) becomes a visible
 * escape (`\e`, `\r`, `\x07`, `\u202e`), so an ESC sequence in a producer name or an error message
 * cannot retitle the window, clear the screen, move the cursor or write the clipboard.
 */
export function safeText(value: unknown): string {
  return String(value ?? '').replace(CONTROL, escapeChar);
}

/** Like safeText, but keeps newlines (for multi-line text the caller lays out). */
export function safeLines(value: unknown): string {
  return String(value ?? '').replace(CONTROL_BUT_NEWLINE, escapeChar);
}

/** Does `s` hold a control character other than newline (an ESC of our own colour codes included)? */
export function hasRawControl(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(s);
}

interface WidthSource {
  isTTY?: boolean;
  columns?: number;
}

/**
 * Columns to lay text out in: the terminal's width on a TTY, else $COLUMNS, else 80. Never below 40,
 * where no table is readable anyway.
 */
export function terminalWidth(stream: WidthSource = process.stdout, env: NodeJS.ProcessEnv = process.env): number {
  let w = stream.isTTY && stream.columns ? stream.columns : Number.parseInt(env.COLUMNS ?? '', 10);
  if (!Number.isFinite(w) || w <= 0) w = 80;
  return Math.max(40, w);
}

/** Colour only on a terminal, never when NO_COLOR is set (no-color.org) or TERM is dumb. */
export function colourEnabled(
  stream: { isTTY?: boolean } = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

const SGR = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;
export type Paint = keyof typeof SGR;

export function paint(text: string, colour: Paint | undefined, on: boolean): string {
  return on && colour ? `\x1b[${SGR[colour]}m${text}\x1b[0m` : text;
}

/** The colour of a status word: pass green, known or expected failures yellow, unexpected ones red. */
export function statusColour(status: string, asExpected = true): Paint | undefined {
  if (status === 'pass' || status === 'ok' || status === 'yes') return 'green';
  if (
    status === 'no-reference' ||
    status === 'skipped' ||
    status === 'unavailable' ||
    status === 'skip' ||
    status === 'warn'
  )
    return asExpected ? 'yellow' : 'red';
  return asExpected ? 'yellow' : 'red';
}

/** Visible width of a string we made (no colour codes counted). */
export function visibleLength(s: string): number {
  return [...s.replace(/\x1b\[[0-9;]*m/g, '')].length;
}

/** Cut to `width` visible characters, marking the cut with an ellipsis. */
export function cut(s: string, width: number): string {
  const chars = [...s];
  if (chars.length <= width) return s;
  if (width <= 1) return chars.slice(0, width).join('');
  return `${chars.slice(0, width - 1).join('')}…`;
}

/** Word-wrap one paragraph to `width` columns; `indent` starts the continuation lines. */
export function wrap(text: string, width: number, indent = ''): string[] {
  if ([...indent].length >= width / 2) indent = '';
  const lead = /^ */.exec(text)![0];
  const words = text.slice(lead.length).split(' ');
  const lines: string[] = [];
  let line = lead;
  for (const w of words) {
    const empty = line.trim() === '';
    const candidate = empty ? `${line}${w}` : `${line} ${w}`;
    if (visibleLength(candidate) <= width || empty) line = candidate;
    else {
      lines.push(line);
      line = `${indent}${w}`;
    }
    while (visibleLength(line) > width) {
      const chars = [...line];
      lines.push(chars.slice(0, width).join(''));
      line = `${indent}${chars.slice(width).join('')}`;
    }
  }
  if (line.trim()) lines.push(line);
  return lines.length ? lines : [''];
}

export interface RenderContext {
  /** Columns to fit in. */
  width: number;
  colour: boolean;
}

/** The context of stdout now: its width (COLUMNS when not a TTY, else 80) and whether to colour. */
export function stdoutContext(): RenderContext {
  return { width: terminalWidth(process.stdout), colour: colourEnabled(process.stdout) };
}

/**
 * JSON for stdout: JSON.stringify escapes C0 controls but not DEL, the C1 controls (0x9b is a CSI on
 * some terminals) or the bidirectional overrides; those become \\u escapes too (still the same JSON value).
 */
export function jsonText(value: unknown, replacer: null = null, indent = 1): string {
  return JSON.stringify(value, replacer, indent).replace(
    /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`,
  );
}

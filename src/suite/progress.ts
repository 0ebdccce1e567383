/**
 * Progress of a long run on a terminal: `case n/N`, the rate and the time left, redrawn on one
 * stderr line. Only on a TTY (never in pipes, logs or --json output).
 */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(s: string): boolean;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** The status text: `case 120/932  4.1/s  ETA 3m18s  cpu node/test_abs`. */
export function progressText(done: number, total: number, elapsedMs: number, label = ''): string {
  const rate = elapsedMs > 0 ? done / (elapsedMs / 1000) : 0;
  const eta = rate > 0 ? (total - done) / rate : Number.NaN;
  return `case ${done}/${total}  ${rate >= 10 ? rate.toFixed(0) : rate.toFixed(1)}/s  ETA ${done === 0 ? '?' : formatDuration(eta)}${label ? `  ${label}` : ''}`;
}

export class ProgressLine {
  private readonly started = Date.now();
  private shown = false;
  private lastDraw = 0;

  constructor(
    private readonly stream: ProgressStream = process.stderr,
    private readonly enabled = Boolean(stream.isTTY),
  ) {}

  /** Redraw (at most ~10 times a second, always for the last case). */
  update(done: number, total: number, label = ''): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (done < total && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = Math.max(20, (this.stream.columns ?? 80) - 1);
    const text = progressText(done, total, now - this.started, label)
      .replace(/[\x00-\x1f\x7f]/g, '?')
      .slice(0, width);
    this.stream.write(`\r\x1b[2K${text}`);
    this.shown = true;
  }

  /** Clear the line (before printing anything else). */
  clear(): void {
    if (this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
  }
}

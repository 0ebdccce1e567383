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
      .replace(/[\x00-\x1f\x7f-\x9f]/g, '?') // C1 controls (\x9b is CSI) too, as the status line
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

/**
 * A live status line for long work on a terminal's stderr: what is happening (model, phase) and for
 * how long, redrawn every second so a silent phase (starting Chromium, a 40 s bisect run) still moves.
 * Disabled (writes nothing, starts no timer) off a TTY, with --json or --quiet: pipes and logs get
 * only the lines the command prints anyway, through `log`.
 */
export class StatusLine {
  private text = '';
  private phaseStarted = Date.now();
  private readonly started = Date.now();
  private shown = false;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly stream: ProgressStream = process.stderr,
    readonly enabled = Boolean(stream.isTTY),
    private readonly now: () => number = Date.now,
    private readonly tickMs = 1000,
  ) {
    this.phaseStarted = this.now();
    this.started = this.now();
  }

  /** A new phase: its text (`[2/6] wasm cntk/mnist-8: running`) and its clock from zero. */
  set(text: string): void {
    if (!this.enabled) return;
    this.text = text;
    this.phaseStarted = this.now();
    if (!this.timer) {
      this.timer = setInterval(() => this.draw(), this.tickMs);
      this.timer.unref?.(); // never keeps the process alive
    }
    this.draw();
  }

  /** The line as drawn now: the phase, its seconds, and the whole run's when they differ. */
  render(): string {
    const phase = (this.now() - this.phaseStarted) / 1000;
    const total = (this.now() - this.started) / 1000;
    const clock =
      Math.round(total) > Math.round(phase)
        ? `${formatDuration(phase)}, total ${formatDuration(total)}`
        : formatDuration(phase);
    return `${this.text}  ${clock}`;
  }

  private draw(): void {
    if (!this.enabled || !this.text) return;
    const width = Math.max(20, (this.stream.columns ?? 80) - 1);
    const chars = [...this.render().replace(/[\x00-\x1f\x7f-\x9f]/g, '?')];
    const line = chars.length > width ? `${chars.slice(0, width - 1).join('')}…` : chars.join('');
    this.stream.write(`\r\x1b[2K${line}`);
    this.shown = true;
  }

  /** Print a whole line (a result) above the status line, which is then redrawn under it. */
  log(line: string): void {
    if (this.shown) this.stream.write('\r\x1b[2K');
    this.stream.write(line.endsWith('\n') ? line : `${line}\n`);
    this.shown = false;
    if (this.timer) this.draw();
  }

  /** Stop the clock and clear the line (before the command prints its results). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.shown) this.stream.write('\r\x1b[2K');
    this.shown = false;
  }
}

/** The status line of a command: on only when stderr is a terminal and neither --quiet nor --json was given. */
export function commandStatusLine(
  opts: { quiet?: boolean; json?: boolean; format?: string },
  stream: ProgressStream = process.stderr,
): StatusLine {
  return new StatusLine(
    stream,
    Boolean(stream.isTTY) && !opts.quiet && !opts.json && opts.format !== 'json' && opts.format !== 'csv',
  );
}

/**
 * A progress bar on stderr for long runs, only on a terminal. It appears once
 * a run has taken more than `delayMs`, so short runs print nothing.
 */
export class Progress {
  private readonly label: string;
  private readonly start = Date.now();
  private readonly enabled: boolean;
  private readonly delayMs: number;
  private shown = false;
  private lastDraw = 0;

  constructor(label: string, enabled: boolean, delayMs = 1500) {
    this.label = label;
    this.enabled = enabled && process.stderr.isTTY === true;
    this.delayMs = delayMs;
  }

  /** Draws the bar at `fraction` done (0–1), with `label` in place of the constructor's when given. */
  update(fraction: number, label = this.label): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.start < this.delayMs || now - this.lastDraw < 100) return;
    this.lastDraw = now;
    this.shown = true;
    const width = 30;
    const f = Math.max(0, Math.min(1, fraction));
    const filled = Math.round(f * width);
    const elapsed = (now - this.start) / 1000;
    const eta = f > 0 ? (elapsed * (1 - f)) / f : 0;
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(f * 100).toFixed(0).padStart(3)}%  ${eta.toFixed(0)} s left `);
  }

  done(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
  }
}

// Progress of long training jobs (a bar on a terminal, a line every few seconds in logs),
// and the atomic file writes the stages use so a kill never leaves half a file.
import { renameSync, writeFileSync } from 'node:fs';
import cliProgress from 'cli-progress';

/** Writes `text` to `path` through a temporary file and a rename. */
export function atomicWrite(path: string, text: string): void {
  const tmp = `${path}.tmp${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

const fmt = (s: number) =>
  !Number.isFinite(s)
    ? '?'
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`
      : `${Math.round(s)}s`;

/** A step counter with rate and ETA, quiet when LOOPSMITH_QUIET=1 (tests). */
export class Progress {
  private readonly bar: cliProgress.SingleBar | null;
  private readonly t0 = performance.now();
  /** Not a terminal: one plain line every few seconds instead of a redrawn bar. */
  private readonly plain = !process.stderr.isTTY;
  private lastLine = 0;

  constructor(
    readonly label: string,
    readonly total: number,
    private readonly start = 0,
  ) {
    if (process.env.LOOPSMITH_QUIET === '1' || this.plain) {
      this.bar = null;
      return;
    }
    this.bar = new cliProgress.SingleBar(
      {
        format: `${label.padEnd(9)} [{bar}] {value}/{total} | {rate} | ETA {eta_s} | {note}`,
        barsize: 24,
        stream: process.stderr,
        noTTYOutput: true,
        notTTYSchedule: 5000,
        hideCursor: false,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, start, { rate: '-', note: '', eta_s: '?' });
  }

  /** Moves to `value` with a short status note. */
  tick(value: number, note = ''): void {
    const el = (performance.now() - this.t0) / 1000;
    const done = value - this.start;
    const r = done / Math.max(el, 1e-9);
    const rate = `${r >= 1 ? r.toFixed(1) : (1 / Math.max(r, 1e-9)).toFixed(1)}${r >= 1 ? '/s' : 's/it'}`;
    const eta = fmt(done > 0 ? (this.total - value) / r : Number.POSITIVE_INFINITY);
    if (this.bar) this.bar.update(value, { rate, eta_s: eta, note });
    else if (
      this.plain &&
      process.env.LOOPSMITH_QUIET !== '1' &&
      (el - this.lastLine >= 10 || value === this.total)
    ) {
      this.lastLine = el;
      process.stderr.write(
        `${this.label} ${value}/${this.total} | ${rate} | ETA ${eta} | ${note}\n`,
      );
    }
  }

  done(): void {
    this.bar?.stop();
  }
}

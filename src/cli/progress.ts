/**
 * Progress on stderr (stdout stays for results and `--json`): on a terminal, cli-progress bars
 * (one per upload, one per followed job); elsewhere (CI logs, pipes) plain lines, an upload's at
 * every 10 % and a job's at every change of status or 10 % of progress.
 */
import cliProgress from 'cli-progress';

/** One bar: `update(value, label)` with value 0..total. */
export interface ProgressLine {
  update(value: number, label?: string): void;
  stop(): void;
}

/** Makes bars; `quiet` shows nothing. */
export class Progress {
  private readonly multi?: cliProgress.MultiBar;
  private stopped = false;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly quiet = false,
  ) {
    if (!quiet && stream.isTTY) {
      this.multi = new cliProgress.MultiBar(
        {
          stream,
          format: ' {bar} {percentage}% | {name} | {label}',
          hideCursor: true,
          clearOnComplete: false,
          stopOnComplete: false,
          barsize: 30,
        },
        cliProgress.Presets.shades_classic,
      );
    }
  }

  /** A bar for `name` counting up to `total` (bytes or percent); `unit` is for plain lines. */
  bar(name: string, total: number, unit: 'bytes' | 'percent'): ProgressLine {
    if (this.quiet) return { update: () => undefined, stop: () => undefined };
    if (this.multi) {
      const b = this.multi.create(Math.max(total, 1), 0, { name, label: '' });
      return {
        update: (value, label) => b.update(value, { label: label ?? describe(value, total, unit) }),
        stop: () => b.stop(),
      };
    }
    let lastStep = -1;
    let lastLabel: string | undefined;
    return {
      update: (value, label) => {
        const step = Math.floor((100 * value) / Math.max(total, 1) / 10);
        if (step === lastStep && label === lastLabel) return;
        lastStep = step;
        lastLabel = label;
        this.stream.write(`${name}: ${label ?? describe(value, total, unit)}\n`);
      },
      stop: () => undefined,
    };
  }

  /** Prints a line above the bars (or plainly). */
  log(line: string): void {
    if (this.quiet) return;
    if (this.multi) this.multi.log(`${line}\n`);
    else this.stream.write(`${line}\n`);
  }

  /** Stops every bar and gives the terminal back. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.multi?.stop();
  }
}

function describe(value: number, total: number, unit: 'bytes' | 'percent'): string {
  if (unit === 'percent') return `${Math.round(value)}%`;
  const pct = total > 0 ? Math.floor((100 * value) / total) : 0;
  return `${pct}% (${mb(value)} of ${mb(total)} MB)`;
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

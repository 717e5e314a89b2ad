/**
 * What commands print on stdout: with `--json` one JSON document (the GraphQL data as the
 * server sent it, for scripts), otherwise aligned tables and `key: value` lines for people.
 */

/** Where a command writes; replaced in unit tests. */
export interface Out {
  json: boolean;
  write(text: string): void;
}

/** stdout, in the mode `--json` chose. */
export function stdoutOut(json: boolean): Out {
  return { json, write: (t) => void process.stdout.write(t) };
}

/** Prints `value` as JSON (two-space indent, trailing newline). */
export function printJson(out: Out, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * An aligned text table: `header` cells, then `rows`; every column as wide as its widest cell
 * (in characters), two spaces apart; null and undefined print as "-".
 */
export function table(header: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (c == null ? '-' : String(c))))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => [...(r[i] ?? '')].length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i] - [...c].length)))
        .join('  '),
    )
    .join('\n')
    .concat('\n');
}

/** `key: value` lines, keys aligned; null values print as "-". */
export function details(pairs: [string, string | number | null | undefined][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${v ?? '-'}\n`).join('');
}

/** Seconds as H:MM:SS (or M:SS under an hour); null as null. */
export function duration(seconds: number | null | undefined): string | null {
  if (seconds == null) return null;
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** An ISO timestamp shortened to "YYYY-MM-DD HH:MM" (UTC); null as null. */
export function when(iso: string | null | undefined): string | null {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : null;
}

/** Bytes as "12.3 MB" (decimal megabytes). */
export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

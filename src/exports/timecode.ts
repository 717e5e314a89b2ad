/**
 * Time helpers shared by the exporters. Internally all exporters work in whole milliseconds.
 */

/**
 * Converts seconds to whole milliseconds for output.
 * Negative, NaN and infinite inputs become 0 (times are never negative). Half a millisecond
 * rounds up: 3599.9995 s → 3 600 000 ms. `seconds * 1000` can land a hair below `.5` in binary
 * floating point, so the product is first settled to 6 decimals.
 */
export function toMilliseconds(seconds: number): number {
  if (!Number.isFinite(seconds) || seconds <= 0) {
    return 0;
  }
  return Math.round(Number((seconds * 1000).toFixed(6)));
}

/** Seconds rounded to whole milliseconds (for JSON output), never negative. */
export function roundSeconds(seconds: number): number {
  return toMilliseconds(seconds) / 1000;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/**
 * Formats milliseconds as `HH:MM:SS<sep>mmm` with hours always present (at least two digits).
 * `,` is the SubRip separator, `.` the WebVTT one.
 */
export function formatTimecode(ms: number, separator: ',' | '.'): string {
  const total = Math.max(0, Math.round(ms));
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor(total / 60_000) % 60;
  const secs = Math.floor(total / 1000) % 60;
  const millis = total % 1000;
  return `${pad(hours, 2)}:${pad(minutes, 2)}:${pad(secs, 2)}${separator}${pad(millis, 3)}`;
}

/**
 * Formats seconds as `HH:MM:SS` for the plain-text transcript. Truncates (a segment starting at
 * 59.6 s is stamped `00:00:59`, the second in which it starts).
 */
export function formatClock(seconds: number): string {
  const ms = toMilliseconds(seconds);
  return formatTimecode(ms - (ms % 1000), '.').slice(0, 8);
}

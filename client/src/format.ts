/**
 * Formatting of times and sizes for display. Times are in seconds, sizes in bytes.
 */
import { t } from './i18n.js';

/** A playback position as `m:ss` (under an hour) or `h:mm:ss`; `seconds` is rounded down. */
export function formatClock(seconds: number): string {
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A size in bytes as "12 KB", "3.4 MB", "500 MB" (binary units, as the server counts). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${value.toFixed(digits).replace(/\.0$/, '')} ${units[unit]}`;
}

/**
 * A length of time in seconds in words: "4 h", "1 h 30 min", "45 s" (localised units).
 * Used for limits and for the time left before deletion.
 */
export function formatSpan(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return m > 0 ? `${h} ${t('unitH')} ${m} ${t('unitMin')}` : `${h} ${t('unitH')}`;
  if (m > 0) return `${m} ${t('unitMin')}`;
  return `${s} ${t('unitS')}`;
}

/** Seconds from now until the ISO date-time `iso` (negative when it has passed). */
export function secondsUntil(iso: string): number {
  return (new Date(iso).getTime() - Date.now()) / 1000;
}

/**
 * What every command gets: the server connection, where to print and the progress display.
 */
import type { Api } from './api.js';
import { CliError, EXIT } from './errors.js';
import type { Out } from './output.js';
import type { Progress } from './progress.js';

/** A command's surroundings. */
export interface CommandContext {
  api: Api;
  out: Out;
  progress: Progress;
}

/** Parses a positive integer flag. @throws CliError (exit 2) */
export function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new CliError(
      EXIT.USAGE,
      `${flag} must be a positive whole number, got "${value}".`,
      'USAGE',
    );
  }
  return n;
}

/**
 * Parses an enum-valued flag written the CLI way (`speaker-labeling`, `job.completed`) into the
 * schema's value (`SPEAKER_LABELING`, `JOB_COMPLETED`). @throws CliError (exit 2)
 */
export function enumValue<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  const v = value.trim().toUpperCase().replace(/[-.]/g, '_') as T;
  if (!allowed.includes(v)) {
    const shown = allowed.map((a) => a.toLowerCase().replace(/_/g, '-')).join(', ');
    throw new CliError(EXIT.USAGE, `${flag} "${value}" is not one of ${shown}.`, 'USAGE');
  }
  return v;
}

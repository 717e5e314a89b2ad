/** Small media facts for tests, read with the real ffprobe. */
import { execFileSync } from 'node:child_process';

/** Duration of a media file in seconds, as ffprobe states it (`format.duration`). */
export function ffprobeDuration(file: string): number {
  const out = execFileSync('ffprobe', [
    ...['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file],
  ]);
  return Number(out.toString().trim());
}

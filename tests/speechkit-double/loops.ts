/**
 * Recognition of a fixture played over and over (`ffmpeg -stream_loop -1 -i fixture.ogg -t N
 * -c copy`), as the benchmarks and long-recording tests make them: every loop gets the fixture's
 * words, so a 4-hour loop of the dialogue returns a transcript with the words and segment sizes
 * of real speech instead of placeholders.
 *
 * The loop period of a stream-copied file is not exactly the manifest's `durationSeconds` (Opus
 * packets are whole 20 ms frames), and the difference adds up over hundreds of loops, so each
 * loop is re-anchored on the audio: its first speech region is looked for near where the
 * previous loop's anchor plus one period puts it.
 */
import type { FixtureManifest, ManifestUtterance } from './manifest.js';
import type { SpeechRegion } from './vad.js';

/** One manifest utterance of one loop and the speech region (VAD regions merged) it got. */
export interface LoopedUtterance {
  utterance: ManifestUtterance;
  region: SpeechRegion;
}

/** How far (ms) a loop's first region may be from where the previous loop predicts it. */
const ANCHOR_TOLERANCE_MS = 400;

function overlap(a: SpeechRegion, b: SpeechRegion): number {
  return Math.max(0, Math.min(a.endMs, b.endMs) - Math.max(a.startMs, b.startMs));
}

/**
 * Matches one loop window: each region goes to the (shifted) utterance it overlaps most; in a
 * complete loop every utterance must get a region. Regions overlapping no utterance fail it.
 * @returns the pairs, or undefined when the loop does not fit.
 */
function fitLoop(
  us: ManifestUtterance[],
  rs: SpeechRegion[],
  offsetMs: number,
  complete: boolean,
): LoopedUtterance[] | undefined {
  const groups = new Map<ManifestUtterance, SpeechRegion>();
  for (const r of rs) {
    let best: ManifestUtterance | undefined;
    let bestOverlap = 0;
    for (const u of us) {
      const o = overlap(r, { startMs: u.startMs + offsetMs, endMs: u.endMs + offsetMs });
      if (o > bestOverlap) [best, bestOverlap] = [u, o];
    }
    if (!best) return undefined;
    const g = groups.get(best);
    if (g) {
      g.startMs = Math.min(g.startMs, r.startMs);
      g.endMs = Math.max(g.endMs, r.endMs);
    } else groups.set(best, { ...r });
  }
  if (complete && groups.size !== us.length) return undefined;
  return us.filter((u) => groups.has(u)).map((u) => ({ utterance: u, region: groups.get(u)! }));
}

/** The loops of one channel: `us` its manifest utterances (sorted), `rs` its VAD regions. */
function fitChannel(
  us: ManifestUtterance[],
  rs: SpeechRegion[],
  periodMs: number,
  durationMs: number,
): LoopedUtterance[] | undefined {
  if (us.length === 0) return rs.length === 0 ? [] : undefined;
  if (rs.length === 0) return undefined;
  // VAD start of the first utterance relative to the manifest's (frame rounding, onset).
  const lead = rs[0].startMs - us[0].startMs;
  const out: LoopedUtterance[] = [];
  let offset = 0;
  let next = 0; // index of the first region not yet assigned
  while (next < rs.length) {
    const complete = offset + periodMs <= durationMs;
    const end = rs.findIndex((r, i) => i >= next && r.startMs >= offset + periodMs);
    const window = rs.slice(next, end < 0 ? rs.length : end);
    const fit = fitLoop(us, window, offset, complete);
    if (!fit) return undefined;
    out.push(...fit);
    next += window.length;
    if (next >= rs.length) break;
    const predicted = offset + periodMs + us[0].startMs + lead;
    if (Math.abs(rs[next].startMs - predicted) > ANCHOR_TOLERANCE_MS) return undefined;
    offset = rs[next].startMs - us[0].startMs - lead;
  }
  return out;
}

/**
 * Fits `manifest` played in a loop to the speech regions of audio `durationMs` long.
 * Only tried for audio at least 1.5 × the fixture's length with the fixture's channel count.
 * Every complete loop must match utterance for utterance (regions grouped by overlap, as for a
 * single playing); the last, cut-off loop keeps the utterances that got a region.
 * @returns the matched utterances of every loop, in time order per channel, or undefined.
 */
export function fitLoopedManifest(
  manifest: FixtureManifest,
  regions: SpeechRegion[][],
  durationMs: number,
): LoopedUtterance[] | undefined {
  const periodMs = manifest.durationSeconds * 1000;
  if (manifest.channels !== regions.length || durationMs < 1.5 * periodMs) return undefined;
  const out: LoopedUtterance[] = [];
  for (let c = 0; c < regions.length; c++) {
    const us = manifest.utterances
      .filter((u) => u.channel === c)
      .sort((a, b) => a.startMs - b.startMs);
    const fit = fitChannel(us, regions[c], periodMs, durationMs);
    if (!fit) return undefined;
    out.push(...fit);
  }
  return out;
}

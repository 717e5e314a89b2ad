/**
 * Per-channel loudness normalisation in `transcodeToOpus` (ffmpeg `dynaudnorm`, see
 * `LOUDNESS_FILTER` in src/media/transcode.ts) against the real ffmpeg, on the fixture
 * `call-stereo-quiet.ogg`: the stereo call with its right channel (speaker 1) 20 dB down.
 *
 * Levels are measured on the transcoded file with ffmpeg `astats` (RMS and peak level, dBFS) over
 * each manifest utterance span of the channel carrying it; a speaker's speech level is the
 * power average of its spans, weighted by length. The figures are logged.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { transcodeToOpus, type TranscodeOptions } from '../../src/media/transcode.js';
import { decodePcm } from '../speechkit-double/audio.js';
import { parseManifest, type FixtureManifest } from '../speechkit-double/manifest.js';
import { recognize } from '../speechkit-double/recognizer.js';
import { detectSpeech, type SpeechRegion } from '../speechkit-double/vad.js';
import { ffprobeDuration } from '../helpers/media.js';

const run = promisify(execFile);
const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/audio');
const QUIET = path.join(FIXTURES, 'call-stereo-quiet.ogg');
const loadManifest = (name: string): FixtureManifest =>
  parseManifest(JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')), name);
const quiet = loadManifest('call-stereo-quiet.json');
const loud = loadManifest('call-stereo.json');

/** Utterance spans of `speaker` (0: loud, left; 1: quiet, right in the fixture). */
const spansOf = (speaker: 0 | 1) => quiet.utterances.filter((u) => u.speaker === speaker);

let dir: string;
const tmp = (name: string) => path.join(dir, name);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'loudness-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Level {
  /** RMS level, dBFS (−Infinity for digital silence). */
  rmsDb: number;
  /** Peak level, dBFS (−Infinity for digital silence). */
  peakDb: number;
}

const parseDb = (text: string, label: string): number => {
  const m = new RegExp(`${label} level dB: (\\S+)`).exec(text);
  if (!m) throw new Error(`astats printed no ${label} level:\n${text}`);
  return m[1] === '-inf' ? -Infinity : Number(m[1]);
};

/** ffmpeg `astats` of one channel of `file`, over `[startMs, endMs]` if given. */
async function levelOf(
  file: string,
  channel: number,
  span?: { startMs: number; endMs: number },
): Promise<Level> {
  const trim = span ? `,atrim=start=${span.startMs / 1000}:end=${span.endMs / 1000}` : '';
  const { stderr } = await run('ffmpeg', [
    '-nostdin',
    '-hide_banner',
    '-i',
    file,
    '-af',
    `pan=mono|c0=c${channel}${trim},astats=measure_perchannel=none:measure_overall=Peak_level+RMS_level`,
    '-f',
    'null',
    '-',
  ]);
  return { rmsDb: parseDb(stderr, 'RMS'), peakDb: parseDb(stderr, 'Peak') };
}

/** Speech level (dBFS RMS) of `speaker` on `channel`: power average over its utterance spans. */
async function speechLevelDb(file: string, channel: number, speaker: 0 | 1): Promise<number> {
  let energy = 0;
  let ms = 0;
  for (const u of spansOf(speaker)) {
    const { rmsDb } = await levelOf(file, channel, u);
    const len = u.endMs - u.startMs;
    energy += len * 10 ** (rmsDb / 10);
    ms += len;
  }
  return 10 * Math.log10(energy / ms);
}

const round = (db: number) => Math.round(db * 10) / 10;

async function transcode(
  input: string,
  name: string,
  opts: Partial<TranscodeOptions> & Pick<TranscodeOptions, 'channels'>,
): Promise<string> {
  const out = tmp(name);
  await transcodeToOpus(input, out, {
    bitrateBps: opts.channels === 2 ? 32_000 : 24_000,
    ...opts,
  });
  return out;
}

const durationOf = ffprobeDuration;

type Span = { startMs: number; endMs: number };
const overlaps = (r: Span, u: Span) => Math.min(r.endMs, u.endMs) > Math.max(r.startMs, u.startMs);

/**
 * Checks VAD `regions` against utterance spans `us` as the double's `overlap` matching does
 * (an utterance with a pause inside may get several regions): every region overlaps some
 * utterance, and each utterance's regions run from within 200 ms of its start to within 200 ms of
 * its end.
 */
function expectRegionsFit(regions: SpeechRegion[], us: Span[]): void {
  for (const r of regions) expect(us.some((u) => overlaps(r, u))).toBe(true);
  for (const u of us) {
    const mine = regions.filter((r) => overlaps(r, u));
    expect(mine.length).toBeGreaterThan(0);
    expect(Math.abs(mine[0].startMs - u.startMs)).toBeLessThanOrEqual(200);
    expect(Math.abs(mine.at(-1)!.endMs - u.endMs)).toBeLessThanOrEqual(200);
  }
}

/** How many of `us` some region of `regions` overlaps. */
const touched = (regions: SpeechRegion[], us: Span[]) =>
  us.filter((u) => regions.some((r) => overlaps(r, u))).length;

test('the fixture: same utterances as call-stereo, right channel 20 dB down', async () => {
  expect(quiet.file).toBe('call-stereo-quiet.ogg');
  expect(quiet.utterances).toEqual(loud.utterances);
  expect(quiet.durationSeconds).toBeCloseTo(loud.durationSeconds, 2);
  const left = await speechLevelDb(QUIET, 0, 0);
  const right = await speechLevelDb(QUIET, 1, 1);
  const original = await speechLevelDb(path.join(FIXTURES, 'call-stereo.ogg'), 1, 1);
  console.log(
    `input call-stereo-quiet: speaker 0 (left) ${round(left)} dBFS RMS, speaker 1 (right) ${round(right)} dBFS RMS (${round(original)} in call-stereo): ${round(left - right)} dB apart`,
  );
  expect(original - right).toBeGreaterThan(19);
  expect(original - right).toBeLessThan(21);
  expect(left - right).toBeGreaterThan(17);
});

describe('two channels kept apart', () => {
  let normalised: string;
  let raw: string;
  beforeAll(async () => {
    normalised = await transcode(QUIET, 'stereo-norm.ogg', { channels: 2 });
    raw = await transcode(QUIET, 'stereo-raw.ogg', { channels: 2, normalizeLoudness: false });
  });

  it('brings the quiet channel within 3 dB of the loud one (20 dB apart without)', async () => {
    const [l, r] = [await speechLevelDb(normalised, 0, 0), await speechLevelDb(normalised, 1, 1)];
    const [l0, r0] = [await speechLevelDb(raw, 0, 0), await speechLevelDb(raw, 1, 1)];
    const peaks = [await levelOf(normalised, 0), await levelOf(normalised, 1)].map((x) =>
      round(x.peakDb),
    );
    console.log(
      `2-channel transcode, speech RMS: normalised left ${round(l)} / right ${round(r)} dBFS (${round(Math.abs(l - r))} dB apart), peaks ${peaks.join(' / ')} dBFS; normalizeLoudness=false left ${round(l0)} / right ${round(r0)} dBFS (${round(l0 - r0)} dB apart)`,
    );
    expect(Math.abs(l - r)).toBeLessThanOrEqual(3);
    expect(l0 - r0).toBeGreaterThan(17);
    // Levelled, not clipped: dynaudnorm's target peak is −1.5 dBFS; Opus overshoots it a little.
    for (const p of peaks) expect(p).toBeLessThan(-0.3);
    // Each speaker's utterances on its own channel, with the other channel silent-ish, as before:
    // the silent side of each channel stays well below the speech on it.
    for (const u of quiet.utterances) {
      const other = await levelOf(normalised, 1 - u.channel, u);
      expect(other.rmsDb).toBeLessThan(Math.min(l, r) - 30);
    }
  });

  it('keeps the timing: same duration, the VAD finds the quiet speaker where the manifest says', async () => {
    expect(durationOf(normalised)).toBeCloseTo(durationOf(QUIET), 1);
    const [, right] = await decodePcm(await readFile(normalised), 2);
    const [, rightRaw] = await decodePcm(await readFile(raw), 2);
    const regions = detectSpeech(right);
    const regionsRaw = detectSpeech(rightRaw);
    console.log(
      `VAD on the quiet (right) channel: normalised ${JSON.stringify(regions)}; without normalisation ${JSON.stringify(regionsRaw)}; manifest ${JSON.stringify(spansOf(1).map((u) => [u.startMs, u.endMs]))}`,
    );
    expectRegionsFit(regions, spansOf(1));
    // The SpeechKit double recognises the whole call from the normalised file.
    const rec = recognize({
      pcm: await decodePcm(await readFile(normalised), 2),
      speakerLabeling: false,
      manifests: [quiet],
    });
    expect(rec.manifest).toBe(quiet.file);
    expect(rec.utterances.map((u) => [u.channelTag, u.normalizedText])).toEqual(
      quiet.utterances.map((u) => [String(u.channel), u.text]),
    );
  });
});

describe('mono mix of the stereo call', () => {
  let normalised: string;
  let raw: string;
  beforeAll(async () => {
    normalised = await transcode(QUIET, 'mono-norm.ogg', { channels: 1 });
    raw = await transcode(QUIET, 'mono-raw.ogg', { channels: 1, normalizeLoudness: false });
  });

  it('carries the quiet party within 6 dB of the loud one (levelled before the downmix)', async () => {
    const [s0, s1] = [await speechLevelDb(normalised, 0, 0), await speechLevelDb(normalised, 0, 1)];
    const [r0, r1] = [await speechLevelDb(raw, 0, 0), await speechLevelDb(raw, 0, 1)];
    console.log(
      `mono mix, speech RMS: normalised speaker 0 ${round(s0)} / speaker 1 ${round(s1)} dBFS (${round(Math.abs(s0 - s1))} dB apart); normalizeLoudness=false ${round(r0)} / ${round(r1)} dBFS (${round(r0 - r1)} dB apart)`,
    );
    expect(Math.abs(s0 - s1)).toBeLessThanOrEqual(6);
    expect(r0 - r1).toBeGreaterThan(17);
  });

  it('lets the VAD (and the double) find all four utterances', async () => {
    const [mono] = await decodePcm(await readFile(normalised), 1);
    const [monoRaw] = await decodePcm(await readFile(raw), 1);
    const regions = detectSpeech(mono);
    const regionsRaw = detectSpeech(monoRaw);
    console.log(
      `VAD on the mono mix: normalised ${regions.length} regions ${JSON.stringify(regions)}, ${touched(regions, spansOf(1))} of the quiet speaker's 2 utterances touched; without normalisation ${regionsRaw.length} regions ${JSON.stringify(regionsRaw)}, ${touched(regionsRaw, spansOf(1))} of 2 touched`,
    );
    expectRegionsFit(regions, quiet.utterances);
    // The double, given the call as a mono manifest, recognises all four from the normalised mix.
    const asMono: FixtureManifest = {
      ...quiet,
      channels: 1,
      utterances: quiet.utterances.map((u) => ({ ...u, channel: 0 })),
    };
    const rec = recognize({ pcm: [mono], speakerLabeling: true, manifests: [asMono] });
    const recRaw = recognize({ pcm: [monoRaw], speakerLabeling: true, manifests: [asMono] });
    console.log(
      `double on the mono mix: normalised matched by ${rec.matchedBy}, ${rec.utterances.length} utterances; without normalisation matched by ${recRaw.matchedBy ?? 'nothing (placeholders)'}, ${recRaw.utterances.length} utterances`,
    );
    expect(rec.manifest).toBe(quiet.file);
    expect(rec.utterances.map((u) => [u.channelTag, u.normalizedText])).toEqual(
      quiet.utterances.map((u) => [String(u.speaker), u.text]),
    );
  });
});

describe('silence and other layouts', () => {
  it('leaves digital silence silent and raises a faint noise floor by at most 30 dB', async () => {
    const silence = tmp('silence.wav');
    const hiss = tmp('hiss.wav');
    const gen = (src: string, out: string) =>
      execFileSync('ffmpeg', [
        '-nostdin',
        '-v',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        src,
        '-t',
        '40',
        '-c:a',
        'pcm_s16le',
        out,
      ]);
    gen('anullsrc=r=48000:cl=stereo', silence);
    // White noise, peak 10^(-80/20): about −80 dBFS peak, −85 dBFS RMS (a quiet line in a pause).
    gen('anoisesrc=r=48000:c=white:a=0.0001:seed=7,pan=stereo|c0=c0|c1=c0', hiss);
    const figures: string[] = [];
    for (const channels of [1, 2] as const) {
      // libopus leaves a trace (≤ −84 dBFS) in digital silence, with or without normalisation.
      const out = await transcode(silence, `silence-${channels}.ogg`, { channels });
      const rawOut = await transcode(silence, `silence-raw-${channels}.ogg`, {
        channels,
        normalizeLoudness: false,
      });
      for (let c = 0; c < channels; c++) {
        const { peakDb } = await levelOf(out, c);
        const raw = (await levelOf(rawOut, c)).peakDb;
        figures.push(
          `digital silence → ${channels} ch, ch${c}: peak ${round(peakDb)} dBFS (without normalisation ${round(raw)})`,
        );
        expect(peakDb).toBeLessThan(-50);
        expect(peakDb).toBeLessThanOrEqual(raw + 0.5);
      }
      // Against the same transcode without normalisation (same resampling, downmix and coding).
      const outHiss = await transcode(hiss, `hiss-${channels}.ogg`, { channels });
      const rawHiss = await transcode(hiss, `hiss-raw-${channels}.ogg`, {
        channels,
        normalizeLoudness: false,
      });
      const inLevel = await levelOf(hiss, 0);
      for (let c = 0; c < channels; c++) {
        const out = await levelOf(outHiss, c);
        const raw = await levelOf(rawHiss, c);
        figures.push(
          `noise floor ${round(inLevel.peakDb)} dBFS peak / ${round(inLevel.rmsDb)} RMS → ${channels} ch, ch${c}: peak ${round(out.peakDb)}, RMS ${round(out.rmsDb)} dBFS (without normalisation ${round(raw.peakDb)} / ${round(raw.rmsDb)}): +${round(out.rmsDb - raw.rmsDb)} dB`,
        );
        // maxgain +30 dB (measured on the filter's PCM: +29.5); 2 dB for Opus coding at −60 dBFS.
        expect(out.rmsDb - raw.rmsDb).toBeLessThanOrEqual(30 + 2);
        expect(out.rmsDb).toBeLessThan(-55);
      }
    }
    console.log(figures.join('\n'));
  });

  it('handles mono and 5.1 sources for both outputs', async () => {
    const sine = (f: number) => `sine=frequency=${f}:sample_rate=48000:duration=10`;
    const mono = tmp('mono-src.wav');
    const surround = tmp('surround-src.wav');
    execFileSync('ffmpeg', [
      '-nostdin',
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      sine(440),
      '-af',
      'volume=-12dB',
      mono,
    ]);
    execFileSync('ffmpeg', [
      '-nostdin',
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      sine(440),
      '-af',
      'volume=-12dB,pan=5.1|FL=c0|FR=0.1*c0|FC=c0|LFE=c0|BL=c0|BR=c0',
      surround,
    ]);
    for (const input of [mono, surround]) {
      for (const channels of [1, 2] as const) {
        const out = await transcode(input, `${path.basename(input, '.wav')}-${channels}.ogg`, {
          channels,
        });
        const probed = execFileSync('ffprobe', [
          '-v',
          'error',
          '-show_entries',
          'stream=channels',
          '-of',
          'csv=p=0',
          out,
        ]);
        expect(Number(probed.toString())).toBe(channels);
        // Raised from about −30 dBFS peak (lavfi's sine is −18 dBFS, −12 dB) towards −0.45 dBFS, at most +30 dB.
        expect((await levelOf(out, 0)).peakDb).toBeGreaterThan(-10);
      }
    }
  });
});

/**
 * src/media against the real ffmpeg/ffprobe: probing every upload format, refusing what is not
 * audio (including playlists and concat scripts disguised as .wav), detecting truncated files,
 * telling fake stereo from call recordings, and transcoding to OGG/Opus.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fluentFfmpeg from 'fluent-ffmpeg';
import { BadInputError, JobError } from '../../src/errors.js';
import { channelsCarrySameSignal, probeMedia, transcodeToOpus } from '../../src/media/index.js';
import { runFfprobe, MediaTimeoutError } from '../../src/media/ffmpeg-process.js';
import { transcodeOutputLimitBytes } from '../../src/media/transcode.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/audio');
const MONO = path.join(FIXTURES, 'dialogue-mono.ogg');
const STEREO = path.join(FIXTURES, 'call-stereo.ogg');
const monoManifest = JSON.parse(
  readFileSync(path.join(FIXTURES, 'dialogue-mono.json'), 'utf8'),
) as { durationSeconds: number };
const FIXTURE_SECONDS = monoManifest.durationSeconds;

let dir: string;

function ffmpeg(...args: string[]): void {
  execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...args]);
}

interface ProbeJson {
  format: { format_name: string; duration: string };
  streams: Array<{ codec_type: string; codec_name: string; channels?: number }>;
}

function ffprobeJson(file: string, ...extra: string[]): ProbeJson {
  return JSON.parse(
    execFileSync('ffprobe', [
      '-v',
      'error',
      ...extra,
      '-print_format',
      'json',
      '-show_format',
      '-show_streams',
      file,
    ]).toString(),
  ) as ProbeJson;
}

const tmp = (name: string) => path.join(dir, name);

/** Copies the first half of `src` to `name` (an upload cut off mid-transfer). */
async function halfOf(src: string, name: string): Promise<string> {
  const bytes = await readFile(src);
  await writeFile(tmp(name), bytes.subarray(0, Math.floor(bytes.length / 2)));
  return tmp(name);
}

type Caught = Error & { code?: unknown; reason?: unknown; retryable?: unknown };

async function rejection(p: Promise<unknown>): Promise<Caught> {
  try {
    await p;
  } catch (err) {
    return err as Caught;
  }
  throw new Error('expected a rejection');
}

/** Processes whose command line mentions `needle` (checks that ffmpeg really died). */
function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'latin1').includes(needle)) pids.push(+entry);
    } catch {
      // process gone
    }
  }
  return pids;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kazru-media-'));
  ffmpeg('-i', MONO, '-c:a', 'pcm_s16le', tmp('a.wav'));
  ffmpeg('-i', MONO, '-c:a', 'libmp3lame', '-b:a', '64k', tmp('a.mp3'));
  ffmpeg('-i', MONO, '-c:a', 'flac', tmp('a.flac'));
  ffmpeg('-i', MONO, '-c:a', 'copy', tmp('a.ogg'));
  ffmpeg('-i', MONO, '-c:a', 'aac', '-b:a', '64k', tmp('a.m4a')); // index (moov) at the end
  ffmpeg('-i', MONO, '-c:a', 'aac', '-b:a', '64k', '-movflags', '+faststart', tmp('fast.m4a'));
  ffmpeg('-i', MONO, '-c:a', 'libopus', '-b:a', '32k', tmp('a.webm'));
  // Like a browser MediaRecorder file: no duration in the header.
  ffmpeg(
    '-i',
    MONO,
    '-c:a',
    'libopus',
    '-b:a',
    '32k',
    '-live',
    '1',
    '-f',
    'webm',
    tmp('live.webm'),
  );
  ffmpeg('-i', MONO, '-c:a', 'aac', '-f', 'adts', tmp('victim.aac'));
  ffmpeg('-i', MONO, '-c:a', 'libmp3lame', tmp('victim.mp3'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('probeMedia: accepted formats', () => {
  const cases: Array<[string, string, string]> = [
    ['a.wav', 'wav', 'pcm_s16le'],
    ['a.mp3', 'mp3', 'mp3'],
    ['a.flac', 'flac', 'flac'],
    ['a.ogg', 'ogg', 'opus'],
    ['a.m4a', 'mov,mp4,m4a,3gp,3g2,mj2', 'aac'],
    ['fast.m4a', 'mov,mp4,m4a,3gp,3g2,mj2', 'aac'],
    ['a.webm', 'matroska,webm', 'opus'],
    ['live.webm', 'matroska,webm', 'opus'],
  ];
  it.each(cases)('reads %s', async (name, formatName, codecName) => {
    const info = await probeMedia(tmp(name));
    expect(info.formatName).toBe(formatName);
    expect(info.codecName).toBe(codecName);
    expect(info.channels).toBe(1);
    expect(info.sampleRate).toBeGreaterThanOrEqual(16_000);
    expect(info.durationSeconds).toBeGreaterThan(FIXTURE_SECONDS - 0.2);
    expect(info.durationSeconds).toBeLessThan(FIXTURE_SECONDS + 0.2);
    expect(info.sizeBytes).toBe((await stat(tmp(name))).size);
    if (name !== 'live.webm') expect(info.bitRate).toBeGreaterThan(0);
  });

  it('measures the real length when the header understates it', async () => {
    // 60 s of FLAC whose STREAMINFO claims 10 s (total samples: low 36 bits at byte 18).
    ffmpeg('-stream_loop', '-1', '-i', MONO, '-t', '60', '-ar', '16000', tmp('liar.flac'));
    const bytes = await readFile(tmp('liar.flac'));
    const head = bytes.readBigUInt64BE(18);
    bytes.writeBigUInt64BE((head & ~0xfffffffffn) | 160_000n, 18);
    await writeFile(tmp('liar.flac'), bytes);
    expect(Number(ffprobeJson(tmp('liar.flac')).format.duration)).toBe(10);
    const info = await probeMedia(tmp('liar.flac'));
    expect(info.durationSeconds).toBeGreaterThan(59);
  });

  it('reads the stereo call fixture as 2 channels', async () => {
    const info = await probeMedia(STEREO);
    expect(info).toMatchObject({ formatName: 'ogg', codecName: 'opus', channels: 2 });
  });
});

describe('probeMedia: refusals', () => {
  async function expectReason(file: string, reason: string): Promise<Caught> {
    const err = await rejection(probeMedia(file));
    expect(err).toBeInstanceOf(BadInputError);
    expect(err.code).toBe('BAD_USER_INPUT');
    expect(err.reason).toBe(reason);
    return err;
  }

  it('refuses an empty file', async () => {
    await writeFile(tmp('empty.wav'), '');
    const err = await expectReason(tmp('empty.wav'), 'MEDIA_EMPTY');
    expect(err.message).toMatch(/empty/);
  });

  it('refuses a text file, listing the accepted formats', async () => {
    await writeFile(tmp('notes.wav'), 'Meeting notes: call the customer back tomorrow.\n');
    const err = await expectReason(tmp('notes.wav'), 'MEDIA_NOT_AUDIO');
    expect(err.message).toMatch(/WAV, MP3, FLAC, OGG, M4A or WebM/);
  });

  it('refuses an HLS playlist saved as .wav that points at another local audio file', async () => {
    const playlist = [
      '#EXTM3U',
      '#EXT-X-VERSION:3',
      '#EXT-X-TARGETDURATION:21',
      '#EXTINF:20.5,',
      tmp('victim.aac'),
      '#EXT-X-ENDLIST',
      '',
    ].join('\n');
    await writeFile(tmp('steal.wav'), playlist);
    // The attack is real: plain ffprobe follows the playlist and "finds" audio.
    const plain = ffprobeJson(tmp('steal.wav'));
    expect(plain.format.format_name).toBe('hls');
    expect(plain.streams.some((s) => s.codec_type === 'audio')).toBe(true);

    const err = await expectReason(tmp('steal.wav'), 'MEDIA_NOT_AUDIO');
    expect(err.message).not.toMatch(/hls|victim/i);
  });

  it('refuses an ffconcat script saved as .wav', async () => {
    await writeFile(tmp('concat.wav'), "ffconcat version 1.0\nfile 'victim.mp3'\n");
    const plain = ffprobeJson(tmp('concat.wav'));
    expect(plain.format.format_name).toBe('concat');
    await expectReason(tmp('concat.wav'), 'MEDIA_NOT_AUDIO');
  });

  it.each(['png', 'jpg'])('refuses a %s image', async (ext) => {
    ffmpeg('-f', 'lavfi', '-i', 'color=c=red:s=32x32', '-frames:v', '1', tmp(`img.${ext}`));
    await writeFile(tmp(`img-${ext}.mp3`), await readFile(tmp(`img.${ext}`)));
    await expectReason(tmp(`img.${ext}`), 'MEDIA_NOT_AUDIO');
    await expectReason(tmp(`img-${ext}.mp3`), 'MEDIA_NOT_AUDIO');
  });

  it('refuses a video without a sound track', async () => {
    ffmpeg('-f', 'lavfi', '-i', 'color=c=blue:s=32x32:d=1', '-c:v', 'mpeg4', tmp('silent.mp4'));
    const err = await expectReason(tmp('silent.mp4'), 'MEDIA_NOT_AUDIO');
    expect(err.message).toMatch(/no sound track/);
  });

  it('refuses a WAV that has a header but no samples', async () => {
    ffmpeg('-f', 'lavfi', '-i', 'anullsrc=r=16000:cl=mono', '-t', '0', tmp('zero.wav'));
    await expectReason(tmp('zero.wav'), 'MEDIA_ZERO_DURATION');
  });

  it.each(['a.mp3', 'a.ogg', 'a.wav', 'a.m4a', 'fast.m4a', 'a.flac', 'a.webm'])(
    'detects a truncated %s',
    async (name) => {
      const cut = await halfOf(tmp(name), `half-${name}`);
      const err = await expectReason(cut, 'MEDIA_CORRUPT');
      expect(err.message).toMatch(/damaged or incomplete/);
    },
  );

  it('takes a PCM WAV at its data chunk: a header claiming 5 s of a longer file is 5 s, also when transcoded', async () => {
    // The WAV shortcut (header only, no packet or decode pass) rests on the demuxer stopping at
    // the data chunk's end; if it read on, the transcode would see more audio than was probed.
    const bytes = Buffer.from(await readFile(tmp('a.wav')));
    const data = bytes.indexOf('data');
    const info = await probeMedia(tmp('a.wav'));
    expect(info.durationSeconds).toBeCloseTo(FIXTURE_SECONDS, 1);
    const bytesPerSecond = info.sampleRate * info.channels * 2; // pcm_s16le
    bytes.writeUInt32LE(5 * bytesPerSecond, data + 4);
    await writeFile(tmp('understated.wav'), bytes);
    const short = await probeMedia(tmp('understated.wav'));
    expect(short.durationSeconds).toBeCloseTo(5, 2);
    await transcodeToOpus(tmp('understated.wav'), tmp('understated.ogg'), {
      channels: 1,
      bitrateBps: 24_000,
    });
    expect(Number(ffprobeJson(tmp('understated.ogg')).format.duration)).toBeCloseTo(5, 1);
  });

  it('accepts an Ogg file cut exactly at a page boundary (complete, just shorter)', async () => {
    const bytes = await readFile(tmp('a.ogg'));
    const at = bytes.indexOf('OggS', Math.floor(bytes.length / 2));
    expect(at).toBeGreaterThan(0);
    await writeFile(tmp('page-cut.ogg'), bytes.subarray(0, at));
    const info = await probeMedia(tmp('page-cut.ogg'));
    expect(info.durationSeconds).toBeLessThan(FIXTURE_SECONDS - 2);
  });

  it('refuses a FLAC whose audio frames are garbage', async () => {
    const bytes = await readFile(tmp('a.flac'));
    const garbage = Buffer.alloc(bytes.length - 8192);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) & 0xff;
    await writeFile(tmp('garbage.flac'), Buffer.concat([bytes.subarray(0, 8192), garbage]));
    await expectReason(tmp('garbage.flac'), 'MEDIA_CORRUPT');
  });

  it('rejects a missing file with the fs error, not as bad input', async () => {
    const err = await rejection(probeMedia(tmp('nope.wav')));
    expect(err.code).toBe('ENOENT');
  });
});

describe('channelsCarrySameSignal', () => {
  it('is false for a call recording with one speaker per channel', async () => {
    await expect(channelsCarrySameSignal(STEREO)).resolves.toBe(false);
  });

  it('is true for a mono recording copied to both channels', async () => {
    ffmpeg('-i', MONO, '-ac', '2', '-c:a', 'flac', tmp('upmix.flac'));
    await expect(channelsCarrySameSignal(tmp('upmix.flac'))).resolves.toBe(true);
  });

  it('is true when the copy is slightly quieter on one side', async () => {
    ffmpeg(
      '-i',
      MONO,
      '-af',
      'pan=stereo|c0=c0|c1=0.85*c0',
      '-c:a',
      'flac',
      tmp('upmix-gain.flac'),
    );
    await expect(channelsCarrySameSignal(tmp('upmix-gain.flac'))).resolves.toBe(true);
  });

  it('is true for a mono file', async () => {
    await expect(channelsCarrySameSignal(MONO)).resolves.toBe(true);
  });

  it('fails as TRANSCODE_FAILED for a disguised playlist', async () => {
    const err = await rejection(channelsCarrySameSignal(tmp('steal.wav')));
    expect(err).toBeInstanceOf(JobError);
    expect(err.code).toBe('TRANSCODE_FAILED');
  });
});

describe('transcodeToOpus', () => {
  it('makes mono 16 kHz-wideband OGG/Opus with monotonic progress ending at 100', async () => {
    const out = tmp('mono-out.ogg');
    const progress: number[] = [];
    await transcodeToOpus(tmp('a.wav'), out, {
      channels: 1,
      bitrateBps: 24_000,
      onProgress: (p) => progress.push(p),
    });
    const probed = ffprobeJson(out);
    const audio = probed.streams[0];
    expect(probed.format.format_name).toBe('ogg');
    expect(audio.codec_name).toBe('opus');
    expect(audio.channels).toBe(1);
    expect(Number(probed.format.duration)).toBeCloseTo(FIXTURE_SECONDS, 1);
    expect(existsSync(`${out}.part`)).toBe(false);
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(100);
    expect(progress.filter((p) => p === 100)).toHaveLength(1);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThan(progress[i - 1]);
    // Constrained VBR: about bitrate/8 bytes per second plus Ogg paging.
    const size = (await stat(out)).size;
    expect(size).toBeLessThan(FIXTURE_SECONDS * (24_000 / 8 + 200) + 4096);
  });

  it('keeps two channels apart for a call recording', async () => {
    const out = tmp('stereo-out.ogg');
    await transcodeToOpus(STEREO, out, { channels: 2, bitrateBps: 32_000 });
    const probed = ffprobeJson(out);
    expect(probed.streams[0]).toMatchObject({ codec_name: 'opus', channels: 2 });
    expect(Number(probed.format.duration)).toBeCloseTo(FIXTURE_SECONDS, 1);
    await expect(channelsCarrySameSignal(out)).resolves.toBe(false);
  });

  it('downmixes stereo to mono', async () => {
    const out = tmp('downmix.ogg');
    await transcodeToOpus(STEREO, out, { channels: 1, bitrateBps: 20_000 });
    expect(ffprobeJson(out).streams[0]).toMatchObject({ codec_name: 'opus', channels: 1 });
  });

  it('stops decoding at maxDurationSeconds', async () => {
    const out = tmp('capped.ogg');
    const progress: number[] = [];
    await transcodeToOpus(tmp('a.flac'), out, {
      channels: 1,
      bitrateBps: 20_000,
      maxDurationSeconds: 5,
      onProgress: (p) => progress.push(p),
    });
    expect(Number(ffprobeJson(out).format.duration)).toBeCloseTo(5, 1);
    expect(progress.at(-1)).toBe(100);
  });

  it('kills ffmpeg promptly on abort and leaves no .part file', async () => {
    // 10 minutes of audio: several seconds of encoding, so ffmpeg is mid-way when aborted.
    ffmpeg(
      '-f',
      'lavfi',
      '-i',
      'anoisesrc=c=pink:r=16000:a=0.05:seed=1',
      '-t',
      '600',
      '-c:a',
      'flac',
      tmp('long.flac'),
    );
    const out = tmp('aborted.ogg');
    const controller = new AbortController();
    const progress: number[] = [];
    const running = transcodeToOpus(tmp('long.flac'), out, {
      channels: 1,
      bitrateBps: 20_000,
      signal: controller.signal,
      onProgress: (p) => {
        progress.push(p);
        if (p > 0 && !controller.signal.aborted) controller.abort();
      },
    });
    const started = Date.now();
    const err = await rejection(running);
    const tookMs = Date.now() - started;
    expect(err).toBeInstanceOf(DOMException);
    expect(err.name).toBe('AbortError');
    expect(progress.at(-1)).toBeLessThan(100);
    expect(tookMs).toBeLessThan(5_000);
    expect(existsSync(`${out}.part`)).toBe(false);
    expect(existsSync(out)).toBe(false);
    expect(processesMentioning(`${out}.part`)).toEqual([]);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const err = await rejection(
      transcodeToOpus(tmp('a.wav'), tmp('never.ogg'), {
        channels: 1,
        bitrateBps: 20_000,
        signal: AbortSignal.abort(),
      }),
    );
    expect(err.name).toBe('AbortError');
    expect(existsSync(tmp('never.ogg.part'))).toBe(false);
  });

  it('refuses a disguised playlist with TRANSCODE_FAILED and writes nothing', async () => {
    const out = tmp('stolen.ogg');
    const err = await rejection(
      transcodeToOpus(tmp('steal.wav'), out, { channels: 1, bitrateBps: 20_000 }),
    );
    expect(err).toBeInstanceOf(JobError);
    expect(err.code).toBe('TRANSCODE_FAILED');
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.part`)).toBe(false);
  });

  it('fails with TRANSCODE_FAILED on undecodable input and removes the part file', async () => {
    await writeFile(tmp('junk.wav'), 'RIFF nonsense that is not a wave file at all');
    const out = tmp('junk.ogg');
    const err = await rejection(
      transcodeToOpus(tmp('junk.wav'), out, { channels: 1, bitrateBps: 20_000 }),
    );
    expect(err).toBeInstanceOf(JobError);
    expect(err.code).toBe('TRANSCODE_FAILED');
    expect(err.retryable).toBe(false);
    expect(existsSync(`${out}.part`)).toBe(false);
  });

  it('leaves an existing output alone when it fails', async () => {
    const out = tmp('keep.ogg');
    await writeFile(out, 'previous result');
    await truncate(tmp('junk.wav'), 10);
    await rejection(transcodeToOpus(tmp('junk.wav'), out, { channels: 1, bitrateBps: 20_000 }));
    expect(await readFile(out, 'utf8')).toBe('previous result');
  });
});

describe('spawn failures', () => {
  it('an ffmpeg that cannot be started (its directory removed meanwhile) rejects the transcode instead of ending the process', async () => {
    // fluent-ffmpeg 2.1.3 threw an uncaught TypeError from its end callback on a spawn error.
    // Its capability cache filled first (as in a serving process), so the spawn that fails is
    // the transcode's own.
    await new Promise<void>((resolve, reject) =>
      fluentFfmpeg.getAvailableFormats((err) => (err ? reject(err) : resolve())),
    );
    await new Promise<void>((resolve, reject) =>
      fluentFfmpeg.getAvailableEncoders((err) => (err ? reject(err) : resolve())),
    );
    const gone = path.join(dir, 'removed-scratch');
    const run = transcodeToOpus(path.join(gone, 'a.wav'), tmp('never.ogg'), {
      channels: 1,
      bitrateBps: 20_000,
    });
    const err = await rejection(run);
    expect(err.message).toMatch(/ENOENT/);
  });
});

describe('duration cap (maxDurationSeconds) and duration bombs', () => {
  const MAX = 600;
  /** `seconds` of 8 kHz FLAC silence in `frame`-sample frames (tiny: constant subframes). */
  function silentFlac(name: string, seconds: number, frame = 65535, container = 'flac'): string {
    ffmpeg(
      '-f',
      'lavfi',
      '-i',
      `anullsrc=r=8000:cl=mono:nb_samples=${frame}`,
      '-t',
      String(seconds),
      '-c:a',
      'flac',
      '-compression_level',
      '0',
      '-frame_size',
      String(frame),
      '-sample_fmt',
      's16',
      '-f',
      container,
      tmp(name),
    );
    return tmp(name);
  }
  async function timed<T>(p: Promise<T>): Promise<[T | Caught, number]> {
    const started = performance.now();
    try {
      return [await p, Math.round(performance.now() - started)];
    } catch (err) {
      return [err as Caught, Math.round(performance.now() - started)];
    }
  }

  it('refuses a stated length over the cap from the header alone, naming the length', async () => {
    const file = silentFlac('bomb-2h.flac', 7200);
    const [err, ms] = await timed(probeMedia(file, { maxDurationSeconds: MAX }));
    expect(err).toBeInstanceOf(BadInputError);
    expect((err as Caught).reason).toBe('MEDIA_TOO_LONG');
    expect((err as Caught).message).toMatch(/2:00:00.*10:00|2 h.*10 min|limit/);
    console.log(
      `2 h FLAC (${(await stat(file)).size} B), header honest: MEDIA_TOO_LONG in ${ms} ms`,
    );
  });

  it('refuses a bomb whose header omits or understates the length, reading only up to the cap', async () => {
    const file = silentFlac('bomb-2h-b.flac', 7200);
    const bytes = await readFile(file);
    const head = bytes.readBigUInt64BE(18);
    for (const [what, total] of [
      ['no length', 0n],
      ['claims 10 s', 80_000n],
    ] as const) {
      bytes.writeBigUInt64BE((head & ~0xfffffffffn) | total, 18);
      await writeFile(tmp('bomb-edit.flac'), bytes);
      const [err, ms] = await timed(probeMedia(tmp('bomb-edit.flac'), { maxDurationSeconds: MAX }));
      expect((err as Caught).reason).toBe('MEDIA_TOO_LONG');
      // Without a cap the whole file is read and its real length reported.
      const [info, fullMs] = await timed(probeMedia(tmp('bomb-edit.flac')));
      expect((info as { durationSeconds: number }).durationSeconds).toBeGreaterThan(7100);
      console.log(
        `2 h FLAC, header ${what}: MEDIA_TOO_LONG in ${ms} ms (uncapped probe: ${fullMs} ms)`,
      );
    }
  });

  it('counts decoded samples, so squeezed timestamps cannot hide a bomb', async () => {
    // 2 h in 2 s frames, timestamps ×0.02: header and blocks say 146 s, the decoder makes 2 h.
    silentFlac('long-2s.mka', 7200, 16384, 'matroska');
    ffmpeg('-itsscale', '0.02', '-i', tmp('long-2s.mka'), '-c', 'copy', tmp('squeezed.mka'));
    expect(Number(ffprobeJson(tmp('squeezed.mka')).format.duration)).toBeLessThan(150);
    const [err, ms] = await timed(probeMedia(tmp('squeezed.mka'), { maxDurationSeconds: MAX }));
    expect((err as Caught).reason).toBe('MEDIA_TOO_LONG');
    // Under a cap it would pass, the mismatch is refused as damaged timing.
    const [err2] = await timed(probeMedia(tmp('squeezed.mka'), { maxDurationSeconds: 14_400 }));
    expect((err2 as Caught).reason).toBe('MEDIA_CORRUPT');
    expect((err2 as Caught).message).toMatch(/timing information/);
    console.log(`squeezed Matroska (146 s stated, 2 h decoded): MEDIA_TOO_LONG in ${ms} ms`);
  });

  it('measures a file without a stated length by decoding it, and accepts it under the cap', async () => {
    const [info, ms] = await timed(probeMedia(tmp('live.webm'), { maxDurationSeconds: MAX }));
    expect((info as { durationSeconds: number }).durationSeconds).toBeCloseTo(FIXTURE_SECONDS, 0);
    console.log(
      `live WebM without duration (${FIXTURE_SECONDS} s): measured by decoding in ${ms} ms`,
    );
  });

  it('accepts a recording just under the cap and refuses one just over it', async () => {
    const under = silentFlac('under.flac', MAX - 5, 4096);
    const over = silentFlac('over.flac', MAX + 5, 4096);
    await expect(probeMedia(under, { maxDurationSeconds: MAX })).resolves.toMatchObject({
      durationSeconds: MAX - 5,
    });
    const err = await rejection(probeMedia(over, { maxDurationSeconds: MAX }));
    expect(err.reason).toBe('MEDIA_TOO_LONG');
  });

  it('transcode stops at the output size cap (-fs) when timestamps understate the audio', async () => {
    // 10 min of Opus speech (the fixture looped, not re-encoded), timestamps ×0.05: 31 s. Speech,
    // because libopus codes silence in a few bytes per packet, far under any size cap.
    ffmpeg('-stream_loop', '29', '-i', tmp('a.webm'), '-c', 'copy', tmp('ten-min.webm'));
    ffmpeg('-itsscale', '0.05', '-i', tmp('ten-min.webm'), '-c', 'copy', tmp('squeezed-30m.mka'));
    const out = tmp('squeezed-out.ogg');
    const started = performance.now();
    const err = await rejection(
      transcodeToOpus(tmp('squeezed-30m.mka'), out, {
        channels: 1,
        bitrateBps: 32_000,
        maxDurationSeconds: 20,
      }),
    );
    const ms = Math.round(performance.now() - started);
    expect(err).toBeInstanceOf(JobError);
    expect(err.code).toBe('TRANSCODE_FAILED');
    expect(err.message).toMatch(/grew past/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.part`)).toBe(false);
    console.log(
      `transcode of 10 min of speech squeezed into 31 s, cap 20 s: TRANSCODE_FAILED at the ${transcodeOutputLimitBytes(20, 32_000)} B -fs cap after ${ms} ms`,
    );
  });
});

describe('process groups', () => {
  /** A stand-in ffprobe/ffmpeg that starts a background child, then waits forever. */
  function stubborn(marker: string): string {
    const file = tmp(`stubborn-${marker}`);
    writeFileSync(
      file,
      `#!/bin/sh\nsh -c 'sleep 300' ${marker}-grandchild &\nexec sh -c 'sleep 300' ${marker}-leader\n`,
    );
    chmodSync(file, 0o755);
    return file;
  }
  /**
   * Waits (up to `timeoutMs`) until the stub's two long-lived processes — the leader it exec'd
   * into and the grandchild it left in the background — are both running, one each. Counting
   * every process that mentions the marker instead can catch the script's transient forks
   * (a subshell before its exec) and see three.
   */
  async function bothRunning(marker: string, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const leader = processesMentioning(`${marker}-leader`).length;
      const grandchild = processesMentioning(`${marker}-grandchild`).length;
      if (leader === 1 && grandchild === 1) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  }
  /** Whether every process mentioning `marker` is gone within 5 s (kill is immediate; the
   * allowance is for a loaded machine's reaping). */
  async function gone(marker: string): Promise<boolean> {
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      if (processesMentioning(marker).length === 0) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  }

  it('a timed-out ffprobe is killed with everything it started', async () => {
    const marker = `kazru-pg-${process.pid}-probe`;
    const saved = process.env.FFPROBE_PATH;
    process.env.FFPROBE_PATH = stubborn(marker);
    try {
      const run = runFfprobe(['x'], { timeoutMs: 3000, cwd: dir });
      expect(await bothRunning(marker, 2500)).toBe(true);
      await expect(run).rejects.toBeInstanceOf(MediaTimeoutError);
      expect(await gone(marker)).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.FFPROBE_PATH;
      else process.env.FFPROBE_PATH = saved;
    }
  });

  it('a cancelled transcode kills ffmpeg with everything it started', async () => {
    const marker = `kazru-pg-${process.pid}-transcode`;
    // fluent-ffmpeg checks the binary's formats and encoders once per process, with the binary
    // of the first command: let the real ffmpeg answer them, or this test hangs when run alone.
    await new Promise<void>((resolve, reject) =>
      fluentFfmpeg.getAvailableFormats((err) => (err ? reject(err) : resolve())),
    );
    await new Promise<void>((resolve, reject) =>
      fluentFfmpeg.getAvailableEncoders((err) => (err ? reject(err) : resolve())),
    );
    const saved = process.env.FFMPEG_PATH;
    process.env.FFMPEG_PATH = stubborn(marker);
    try {
      const controller = new AbortController();
      const run = transcodeToOpus(tmp('a.wav'), tmp('pg.ogg'), {
        channels: 1,
        bitrateBps: 20_000,
        signal: controller.signal,
      });
      expect(await bothRunning(marker, 10_000)).toBe(true);
      controller.abort();
      const err = await rejection(run);
      expect(err.name).toBe('AbortError');
      expect(await gone(marker)).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.FFMPEG_PATH;
      else process.env.FFMPEG_PATH = saved;
    }
  });
});

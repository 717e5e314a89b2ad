/**
 * Audio checks and decoding for the SpeechKit test double, with the real ffmpeg/ffprobe.
 */
import { spawn } from 'node:child_process';

/** Sample rate, in Hz, of the PCM the double analyses. */
export const ANALYSIS_SAMPLE_RATE = 16_000;

/**
 * True when `buf` starts with an Ogg page (`OggS`) whose first packet is an Opus
 * identification header (`OpusHead`).
 */
export function isOggOpus(buf: Buffer): boolean {
  if (buf.length < 36 || buf.toString('latin1', 0, 4) !== 'OggS') return false;
  return buf.subarray(0, Math.min(buf.length, 512)).includes('OpusHead', 0, 'latin1');
}

function run(
  cmd: string,
  args: string[],
  input: Buffer,
): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    // ffprobe may stop reading early: ignore EPIPE on its stdin.
    child.stdin.on('error', () => {});
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }),
    );
    child.stdin.end(input);
  });
}

/** What ffprobe says about the first audio stream. */
export interface ProbeResult {
  codec: string;
  channels: number;
}

/**
 * Probes `buf` with `ffprobe` reading from stdin.
 * @returns undefined when ffprobe cannot read it or finds no audio stream.
 */
export async function probeAudio(buf: Buffer): Promise<ProbeResult | undefined> {
  const { code, stdout } = await run(
    'ffprobe',
    [
      '-v',
      'error',
      '-select_streams',
      'a:0',
      '-show_entries',
      'stream=codec_name,channels',
      '-of',
      'json',
      '-i',
      'pipe:0',
    ],
    buf,
  );
  if (code !== 0) return undefined;
  try {
    const parsed = JSON.parse(stdout.toString('utf8')) as {
      streams?: { codec_name?: string; channels?: number }[];
    };
    const s = parsed.streams?.[0];
    if (!s || typeof s.codec_name !== 'string' || typeof s.channels !== 'number') return undefined;
    return { codec: s.codec_name, channels: s.channels };
  } catch {
    return undefined;
  }
}

/**
 * Decodes audio to 16-bit PCM at {@link ANALYSIS_SAMPLE_RATE} with
 * `ffmpeg -i pipe:0 -f s16le -ac <channels> -ar 16000 pipe:1`.
 * @returns one Int16Array of samples per channel.
 * @throws Error with ffmpeg's stderr when decoding fails.
 */
export async function decodePcm(buf: Buffer, channels: number): Promise<Int16Array[]> {
  const { code, stdout, stderr } = await run(
    'ffmpeg',
    [
      '-nostdin',
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      'pipe:0',
      '-f',
      's16le',
      '-ac',
      String(channels),
      '-ar',
      String(ANALYSIS_SAMPLE_RATE),
      'pipe:1',
    ],
    buf,
  );
  if (code !== 0) throw new Error(`ffmpeg could not decode the audio: ${stderr.trim()}`);
  const frames = Math.floor(stdout.length / 2 / channels);
  const out = Array.from({ length: channels }, () => new Int16Array(frames));
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < channels; c++) {
      out[c][i] = stdout.readInt16LE((i * channels + c) * 2);
    }
  }
  return out;
}

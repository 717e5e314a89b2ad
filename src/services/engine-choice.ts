/**
 * Which engine an upload goes to, and whether that engine can do what the upload asks. Checked
 * before anything is stored: a refusal leaves nothing behind.
 */
import { Diarization, type JobOptions } from '../domain.js';
import { BadInputError } from '../errors.js';
import { formatDuration } from '../media/opus-budget.js';
import type { SttEngine } from '../stt/engine.js';
import type { EngineRegistry } from '../stt/registry.js';

/**
 * The engine for an upload: `requested` (an `Engine.id`), else the registry's default.
 * @throws BadInputError reason `UNKNOWN_ENGINE` for an id that is not enabled here (the message
 *   lists the enabled ones); `DIARIZATION_UNSUPPORTED` when SPEAKER_LABELING is asked of an
 *   engine that cannot label speakers (the message names the engines that can);
 *   `INVALID_LANGUAGE` for a language the engine does not recognise.
 */
export function chooseEngine(
  engines: EngineRegistry,
  requested: string | null | undefined,
  options: JobOptions,
): SttEngine {
  const id = requested?.trim() || engines.defaultId;
  const engine = engines.get(id);
  const available = engines.engines.map((e) => e.info.id);
  if (!engine) {
    throw new BadInputError(
      `Unknown engine "${id}". Engines on this server: ${available.join(', ')} (see serviceInfo.engines).`,
      'UNKNOWN_ENGINE',
    );
  }
  const caps = engine.capabilities;
  if (
    options.diarization === Diarization.SPEAKER_LABELING &&
    !caps.diarization.includes(Diarization.SPEAKER_LABELING)
  ) {
    const able = engines.engines
      .filter((e) => e.capabilities.diarization.includes(Diarization.SPEAKER_LABELING))
      .map((e) => e.info.id);
    throw new BadInputError(
      `The engine "${id}" cannot tell speakers apart in one recording (SPEAKER_LABELING). ${
        able.length > 0 ? `Engines that can: ${able.join(', ')}.` : 'No engine on this server can.'
      } Use CHANNELS for a stereo call with one speaker per channel, or AUTO/NONE.`,
      'DIARIZATION_UNSUPPORTED',
    );
  }
  const unknown = options.languages.filter((l) => l !== 'auto' && !caps.languages.includes(l));
  if (unknown.length > 0) {
    throw new BadInputError(
      `The engine "${id}" does not recognise ${unknown.join(', ')}. It recognises: ${caps.languages.join(', ')}.`,
      'INVALID_LANGUAGE',
    );
  }
  return engine;
}

/**
 * Checks that channel-separated stereo fits the engine's recording limit, which some engines
 * count across channels (SpeechKit: 4 h in all, so 2 h of stereo).
 * @throws BadInputError reason `MEDIA_TOO_LONG`, saying how to transcribe it instead.
 */
export function checkChannelsFit(engine: SttEngine, durationSeconds: number): void {
  const caps = engine.capabilities;
  if (caps.maxRecordingSeconds === undefined || !caps.countsChannels) return;
  if (durationSeconds * 2 <= caps.maxRecordingSeconds) return;
  throw new BadInputError(
    `Channel-separated stereo is limited to ${formatDuration(caps.maxRecordingSeconds / 2)} on ${engine.info.name} (it counts ${formatDuration(caps.maxRecordingSeconds)} across both channels). Use SPEAKER_LABELING or NONE to transcribe a mono mix.`,
    'MEDIA_TOO_LONG',
  );
}

import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import type { Config } from '../../config/config.js';
import { Diarization, SUPPORTED_LANGUAGES } from '../../domain.js';
import type { EngineRegistry } from '../../stt/registry.js';
import {
  ExportFormatInfo,
  exportFormatInfos,
  ExportScriptInfo,
  exportScriptInfos,
} from './export.js';

/**
 * File name extensions the upload accepts, lower case without the dot. The server decides by
 * content (ffprobe with a demuxer whitelist, see `src/media/probe.ts`), not by extension; this
 * list is what clients show and put in a file picker's `accept`.
 */
export const ACCEPTED_EXTENSIONS = ['wav', 'mp3', 'flac', 'ogg', 'opus', 'm4a', 'webm'] as const;

/** A speech engine this server can transcribe with, and what it can do. */
@ObjectType({
  description:
    'A speech engine enabled on this server. Pass its id as `TranscriptionOptionsInput.engine`.',
})
export class Engine {
  @Field(() => ID, { description: 'Stable id: "speechkit", "openai" or "demo".' })
  id!: string;

  @Field({ description: 'Name to show, e.g. "SpeechKit", "Whisper (OpenAI-compatible)".' })
  name!: string;

  @Field({
    description:
      'True for the bundled demo engine: its transcripts are placeholders, not recognition. Clients show a banner saying so.',
  })
  demo!: boolean;

  @Field(() => [String], { description: 'BCP-47 tags this engine recognises.' })
  languages!: string[];

  @Field(() => [Diarization], {
    description:
      'Diarization modes it can deliver (AUTO resolves among these). SPEAKER_LABELING only where the engine labels speakers itself.',
  })
  diarization!: Diarization[];

  @Field({ description: 'Whether segments come with word timings.' })
  wordTimestamps!: boolean;

  @Field(() => Int, {
    nullable: true,
    description:
      'Longest recording in seconds as the engine counts it (across channels where it counts them); null when only the server limit applies. Long recordings are split into pieces for engines with a per-request limit.',
  })
  maxAudioSeconds?: number | null;
}

/** What a client needs to know before it uploads: limits, formats, languages, auth. */
@ObjectType({ description: 'Limits and capabilities of this server, for clients to show.' })
export class ServiceInfo {
  @Field(() => Float, { description: 'Largest upload accepted, in bytes.' })
  maxUploadBytes!: number;

  @Field(() => Int, { description: 'Longest recording accepted, in seconds.' })
  maxDurationSeconds!: number;

  @Field(() => Float, { description: 'Hours after upload when a job and its files are deleted.' })
  retentionHours!: number;

  @Field(() => [String], {
    description: 'File name extensions accepted for upload (lower case, no dot).',
  })
  acceptedExtensions!: string[];

  @Field(() => [String], { description: 'BCP-47 recognition languages, plus "auto".' })
  languages!: string[];

  @Field(() => [Engine], { description: 'Speech engines enabled on this server.' })
  engines!: Engine[];

  @Field(() => ID, { description: 'Engine used when an upload names none (`Engine.id`).' })
  defaultEngine!: string;

  @Field(() => [ExportFormatInfo], {
    description: 'Export formats, in the order to offer them (Transcript.export / exportUrl).',
  })
  exportFormats!: ExportFormatInfo[];

  @Field(() => [ExportScriptInfo], { description: 'Scripts an export can be written in.' })
  exportScripts!: ExportScriptInfo[];
}

/** Builds the {@link ServiceInfo} a server with `config` and `engines` reports. */
export function serviceInfoFrom(config: Config, engines: EngineRegistry): ServiceInfo {
  return {
    engines: engines.engines.map((e) => ({
      ...e.info,
      languages: [...e.capabilities.languages],
      diarization: [Diarization.AUTO, ...e.capabilities.diarization],
      wordTimestamps: e.capabilities.wordTimestamps,
      maxAudioSeconds: e.capabilities.maxRecordingSeconds ?? null,
    })),
    defaultEngine: engines.defaultId,
    maxUploadBytes: config.maxUploadBytes,
    maxDurationSeconds: config.maxDurationSeconds,
    retentionHours: config.retentionHours,
    acceptedExtensions: [...ACCEPTED_EXTENSIONS],
    languages: [...SUPPORTED_LANGUAGES, 'auto'],
    exportFormats: exportFormatInfos(),
    exportScripts: exportScriptInfos(),
  };
}

import { Field, Float, Int, ObjectType } from 'type-graphql';
import type { Config } from '../../config/config.js';
import { SUPPORTED_LANGUAGES } from '../../domain.js';

/**
 * File name extensions the upload accepts, lower case without the dot. The server decides by
 * content (ffprobe with a demuxer whitelist, see `src/media/probe.ts`), not by extension; this
 * list is what clients show and put in a file picker's `accept`.
 */
export const ACCEPTED_EXTENSIONS = ['wav', 'mp3', 'flac', 'ogg', 'opus', 'm4a', 'webm'] as const;

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
}

/** Builds the {@link ServiceInfo} a server with `config` reports. */
export function serviceInfoFrom(config: Config): ServiceInfo {
  return {
    maxUploadBytes: config.maxUploadBytes,
    maxDurationSeconds: config.maxDurationSeconds,
    retentionHours: config.retentionHours,
    acceptedExtensions: [...ACCEPTED_EXTENSIONS],
    languages: [...SUPPORTED_LANGUAGES, 'auto'],
  };
}

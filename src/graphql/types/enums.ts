import { registerEnumType } from 'type-graphql';
import { Diarization, JobStatus } from '../../domain.js';
import { JOB_ERROR_CODES, type JobErrorCode } from '../../errors.js';

/** Export formats offered by `Transcript.export` and the download URL. */
export enum ExportFormatEnum {
  TXT = 'TXT',
  SRT = 'SRT',
  VTT = 'VTT',
  JSON = 'JSON',
}

registerEnumType(JobStatus, {
  name: 'JobStatus',
  description:
    'Lifecycle of a job: QUEUED → TRANSCODING → TRANSCRIBING → COMPLETED, or FAILED / CANCELLED on the way; any finished job becomes EXPIRED when its retention ends. COMPLETED, FAILED, CANCELLED and EXPIRED are final (only EXPIRED follows them).',
  valuesConfig: {
    QUEUED: { description: 'Stored and checked; waiting for a worker.' },
    TRANSCODING: { description: 'A worker is converting the audio for the engine (ffmpeg).' },
    TRANSCRIBING: { description: 'The speech engine is recognising the audio.' },
    COMPLETED: { description: 'Final: the transcript is ready (`Job.transcript`).' },
    FAILED: { description: 'Final: processing stopped; `Job.errorCode` says why.' },
    CANCELLED: { description: 'Final: cancelled by `cancelJob` before it finished.' },
    EXPIRED: {
      description: 'Final: the retention period ended; the recording and transcript are deleted.',
    },
  },
});
registerEnumType(Diarization, {
  name: 'Diarization',
  description:
    'How speakers are told apart. AUTO: CHANNELS when the two channels carry different voices (a call recording), else SPEAKER_LABELING on a mono mix.',
  valuesConfig: {
    AUTO: {
      description:
        'CHANNELS when a stereo file carries one voice per channel, else SPEAKER_LABELING (or NONE when the engine cannot label speakers).',
    },
    NONE: { description: 'One speaker for the whole recording.' },
    SPEAKER_LABELING: {
      description:
        'The engine tells voices apart in a mono mix (only engines whose `Engine.diarization` lists it).',
    },
    CHANNELS: {
      description:
        'Each channel of a stereo recording is one speaker (call-centre recordings); refused for mono files.',
    },
  },
});

/**
 * GraphQL view of {@link JobErrorCode}: an enum object (`{ CODE: 'CODE' }`) for type-graphql,
 * the values described by {@link JOB_ERROR_CODES}.
 */
export const JobErrorCodeEnum = Object.fromEntries(
  Object.keys(JOB_ERROR_CODES).map((c) => [c, c]),
) as { [K in JobErrorCode]: K };

registerEnumType(JobErrorCodeEnum, {
  name: 'JobErrorCode',
  description: 'Why a job ended FAILED (`Job.errorCode`).',
  valuesConfig: Object.fromEntries(
    Object.entries(JOB_ERROR_CODES).map(([code, description]) => [code, { description }]),
  ),
});
registerEnumType(ExportFormatEnum, {
  name: 'ExportFormat',
  description: 'Download formats of a transcript (`Transcript.export`, the REST export route).',
  valuesConfig: {
    TXT: { description: 'Plain text: `[HH:MM:SS] Speaker: text` paragraphs (UTF-8).' },
    SRT: { description: 'SubRip subtitles with speaker prefixes.' },
    VTT: { description: 'WebVTT subtitles with `<v Speaker>` voice tags.' },
    JSON: { description: 'The versioned transcript JSON: speakers, segments, words, times.' },
  },
});

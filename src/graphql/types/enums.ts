import { registerEnumType } from 'type-graphql';
import { Diarization, JobStatus } from '../../domain.js';

/** Export formats offered by `Transcript.export` and the download URL. */
export enum ExportFormatEnum {
  TXT = 'TXT',
  SRT = 'SRT',
  VTT = 'VTT',
  JSON = 'JSON',
}

registerEnumType(JobStatus, { name: 'JobStatus', description: 'Lifecycle of a job.' });
registerEnumType(Diarization, {
  name: 'Diarization',
  description:
    'How speakers are told apart. AUTO: CHANNELS when the two channels carry different voices (a call recording), else SPEAKER_LABELING on a mono mix.',
});
registerEnumType(ExportFormatEnum, { name: 'ExportFormat' });

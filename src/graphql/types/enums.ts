import { registerEnumType } from 'type-graphql';
import { Diarization, JobStatus } from '../../domain.js';
import {
  EXPORT_FORMAT_REGISTRY,
  EXPORT_FORMATS,
  EXPORT_SCRIPTS,
  type ExportFormat,
  type ExportScript,
} from '../../exports/index.js';

/** GraphQL enum `ExportFormat`: every format of the export registry (`src/exports/formats.ts`). */
export const ExportFormatEnum = Object.freeze(
  Object.fromEntries(EXPORT_FORMATS.map((f) => [f, f])) as { [F in ExportFormat]: F },
);
export type ExportFormatEnum = ExportFormat;

/** GraphQL enum `Script`: the scripts of `src/exports/options.ts`. */
export const ScriptEnum = Object.freeze(
  Object.fromEntries(Object.keys(EXPORT_SCRIPTS).map((s) => [s, s])) as {
    [S in ExportScript]: S;
  },
);
export type ScriptEnum = ExportScript;

registerEnumType(JobStatus, { name: 'JobStatus', description: 'Lifecycle of a job.' });
registerEnumType(Diarization, {
  name: 'Diarization',
  description:
    'How speakers are told apart. AUTO: CHANNELS when the two channels carry different voices (a call recording), else SPEAKER_LABELING on a mono mix.',
});
registerEnumType(ExportFormatEnum, {
  name: 'ExportFormat',
  description:
    'Export formats. Text formats come from Transcript.export; every format downloads from Transcript.exportUrl.',
  valuesConfig: Object.fromEntries(
    EXPORT_FORMATS.map((f) => [f, { description: EXPORT_FORMAT_REGISTRY[f].description }]),
  ),
});
registerEnumType(ScriptEnum, {
  name: 'Script',
  description: 'Script of the Kazakh (kk-KZ) segments of an export; Russian stays in Cyrillic.',
  valuesConfig: Object.fromEntries(
    (Object.keys(EXPORT_SCRIPTS) as ExportScript[]).map((s) => [
      s,
      { description: EXPORT_SCRIPTS[s].description },
    ]),
  ),
});

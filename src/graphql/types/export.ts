import { Field, Float, InputType, Int, ObjectType } from 'type-graphql';
import {
  DEFAULT_EXPORT_OPTIONS,
  EXPORT_FORMAT_REGISTRY,
  EXPORT_FORMATS,
  EXPORT_LOCALES,
  EXPORT_SCRIPTS,
  type ExportScript,
} from '../../exports/index.js';
import { ExportFormatEnum, ScriptEnum } from './enums.js';

const d = DEFAULT_EXPORT_OPTIONS;

/** Options of one export; omitted fields take the defaults of `DEFAULT_EXPORT_OPTIONS`. */
@InputType({ description: 'How an export is written; omitted fields take their defaults.' })
export class ExportOptionsInput {
  @Field(() => ScriptEnum, {
    nullable: true,
    description: `Script of the kk-KZ segments (Russian stays Cyrillic); default ${d.script}.`,
  })
  script?: ExportScript | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'TXT/DOCX: show [HH:MM:SS] per turn (TSV: start/end columns); default true.',
  })
  timestamps?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Show speaker names; default true.' })
  speakers?: boolean | null;

  @Field(() => Boolean, {
    nullable: true,
    description: "Mark each turn's language (kk-KZ, ru-RU); default false.",
  })
  languageTags?: boolean | null;

  @Field(() => Boolean, {
    nullable: true,
    description:
      'TXT/DOCX: one paragraph per speaker turn (consecutive segments of a speaker in one language); false: one per segment. Default true.',
  })
  mergeTurns?: boolean | null;

  @Field(() => String, {
    nullable: true,
    description: `Language of headers, default speaker labels and dates: ${EXPORT_LOCALES.map((l) => `"${l}"`).join(', ')}; default "${d.locale}". Renamed speakers keep their names.`,
  })
  locale?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: `SRT/VTT: most characters per line, two lines per cue (16–120); default ${d.maxLineChars}.`,
  })
  maxLineChars?: number | null;

  @Field(() => Float, {
    nullable: true,
    description: `SRT/VTT: longest a cue stays on screen in seconds (1–30); default ${d.maxCueSeconds}.`,
  })
  maxCueSeconds?: number | null;
}

/** One entry of the export format registry, for clients to offer. */
@ObjectType({ description: 'An export format this server writes.' })
export class ExportFormatInfo {
  @Field(() => ExportFormatEnum, { description: 'The format.' })
  format!: ExportFormatEnum;

  @Field({ description: 'File extension without the dot; also its name in download URLs.' })
  extension!: string;

  @Field({ description: 'HTTP Content-Type of the download.' })
  mimeType!: string;

  @Field({ description: 'True when only downloadable (exportUrl), not returned by export.' })
  binary!: boolean;

  @Field({ description: 'What the format is for.' })
  description!: string;
}

/** One script an export can be written in. */
@ObjectType({ description: 'A script the Kazakh segments of an export can be written in.' })
export class ExportScriptInfo {
  @Field(() => ScriptEnum, { description: 'The script.' })
  script!: ExportScript;

  @Field({ description: 'Its value in download URLs (`?script=kazakh-latin-2021`).' })
  param!: string;

  @Field({ description: 'What file names carry (`-latn`); empty for ORIGINAL.' })
  fileSuffix!: string;

  @Field({ description: 'What it is.' })
  description!: string;
}

/** The registry's formats as GraphQL objects. */
export function exportFormatInfos(): ExportFormatInfo[] {
  return EXPORT_FORMATS.map((f) => {
    const { id, extension, mimeType, binary, description } = EXPORT_FORMAT_REGISTRY[f];
    return { format: id, extension, mimeType, binary, description };
  });
}

/** The scripts as GraphQL objects. */
export function exportScriptInfos(): ExportScriptInfo[] {
  return (Object.keys(EXPORT_SCRIPTS) as ExportScript[]).map((script) => ({
    script,
    ...EXPORT_SCRIPTS[script],
  }));
}

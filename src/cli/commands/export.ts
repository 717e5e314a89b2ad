/**
 * `kazru export ID --format docx [--script …] [--out FILE|DIR|-]`: downloads one export of a
 * COMPLETED job. Without `--out` the file goes to the current directory under the server's name;
 * `--out -` writes it to stdout.
 */
import fs from 'node:fs';
import type { CommandContext } from '../context.js';
import { CliError, EXIT, type ExitCode } from '../errors.js';
import { downloadExport, parseFormats, parseScript, type ExportTarget } from '../exports.js';
import type { ExportOptionsInput } from '../generated/graphql.js';
import { printJson } from '../output.js';

/** Flags of `export`. */
export interface ExportFlags {
  format: string;
  script?: string;
  locale?: string;
  timestamps: boolean;
  speakers: boolean;
  languageTags?: boolean;
  out?: string;
}

/** Runs `export`. */
export async function exportJob(
  ctx: CommandContext,
  id: string,
  flags: ExportFlags,
): Promise<ExitCode> {
  const formats = parseFormats(flags.format);
  if (formats.length !== 1) {
    throw new CliError(EXIT.USAGE, 'export takes one --format; run it once per format.', 'USAGE');
  }
  const options: ExportOptionsInput = {
    ...(flags.script ? { script: parseScript(flags.script) } : {}),
    ...(flags.locale ? { locale: flags.locale } : {}),
    ...(flags.timestamps ? {} : { timestamps: false }),
    ...(flags.speakers ? {} : { speakers: false }),
    ...(flags.languageTags ? { languageTags: true } : {}),
  };
  const out = flags.out ?? '.';
  const target: ExportTarget =
    out !== '-' && fs.statSync(out, { throwIfNoEntry: false })?.isDirectory()
      ? { dir: out }
      : { file: out };
  if (out === '-' && ctx.out.json) {
    throw new CliError(EXIT.USAGE, '--out - writes the export itself; leave out --json.', 'USAGE');
  }
  const result = await downloadExport(ctx.api, id, formats[0], options, target);
  if (ctx.out.json) printJson(ctx.out, { export: result });
  else if (out !== '-') ctx.out.write(`Wrote ${result.path} (${result.bytes} bytes)\n`);
  return EXIT.OK;
}

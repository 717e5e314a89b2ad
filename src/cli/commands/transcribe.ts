/**
 * `kazru transcribe FILE…`: uploads each file (streamed, with a progress bar), then with
 * `--wait` (implied by `--format`/`--out`) follows every job live over graphql-ws and writes the
 * requested exports of each COMPLETED job into `--out` (default the current directory).
 * Exit 1 when a followed job ends FAILED, CANCELLED or EXPIRED.
 */
import fs from 'node:fs';
import path from 'node:path';
import { enumValue, type CommandContext } from '../context.js';
import { CliError, EXIT, type ExitCode } from '../errors.js';
import { downloadExport, parseFormats, parseScript, type ExportResult } from '../exports.js';
import type {
  CliJobProgressSubscription,
  Diarization,
  ExportOptionsInput,
  JobStatus,
  TranscriptionOptionsInput,
} from '../generated/graphql.js';
import { JOB_PROGRESS } from '../operations.js';
import { megabytes, printJson, table } from '../output.js';
import type { ProgressLine } from '../progress.js';
import { uploadFile, type UploadedJob } from '../upload.js';

/** Flags of `transcribe` as commander parses them. */
export interface TranscribeFlags {
  language?: string;
  diarization?: string;
  engine?: string;
  reuse: boolean;
  wait?: boolean;
  format?: string;
  out?: string;
  script?: string;
  locale?: string;
}

const DIARIZATION: readonly Diarization[] = ['AUTO', 'CHANNELS', 'NONE', 'SPEAKER_LABELING'];
const FINAL: readonly JobStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED', 'EXPIRED'];

/** One file's outcome. */
interface FileResult {
  file: string;
  job: UploadedJob;
  status: JobStatus;
  errorCode: string | null;
  errorMessage: string | null;
  exports: ExportResult[];
}

/** A file the server refused to take. */
interface Refusal {
  file: string;
  error: CliError;
}

/**
 * Runs `transcribe`; returns the exit code: 2 when the server refused one of several files (the
 * others are still uploaded), else 1 when a followed job did not complete.
 */
export async function transcribe(
  ctx: CommandContext,
  files: string[],
  flags: TranscribeFlags,
): Promise<ExitCode> {
  for (const f of files) {
    if (!fs.statSync(f, { throwIfNoEntry: false })?.isFile()) {
      throw new CliError(EXIT.USAGE, `No such file: ${f}`, 'USAGE');
    }
  }
  const formats = flags.format || flags.out ? parseFormats(flags.format ?? 'txt') : [];
  const exportOptions: ExportOptionsInput = {
    ...(flags.script ? { script: parseScript(flags.script) } : {}),
    ...(flags.locale ? { locale: flags.locale } : {}),
  };
  const wait = Boolean(flags.wait || formats.length);
  const outDir = flags.out ?? '.';

  const { results, refused } = await uploadAll(ctx, files, uploadOptions(flags));

  if (wait) {
    await Promise.all(
      results.map(async (r) => {
        await follow(ctx, r);
        if (r.status === 'COMPLETED') {
          for (const format of formats) {
            const e = await downloadExport(ctx.api, r.job.id, format, exportOptions, {
              dir: outDir,
            });
            ctx.progress.log(`${path.basename(r.file)}: wrote ${e.path} (${e.bytes} bytes)`);
            r.exports.push(e);
          }
        }
      }),
    );
  }
  ctx.progress.stop();
  print(ctx, results, refused);
  if (refused.length) return EXIT.USAGE;
  return wait && results.some((r) => r.status !== 'COMPLETED') ? EXIT.JOB_FAILED : EXIT.OK;
}

/** Uploads the files one after the other (a bar each); refusals of single files are collected. */
async function uploadAll(
  ctx: CommandContext,
  files: string[],
  options: TranscriptionOptionsInput,
): Promise<{ results: FileResult[]; refused: Refusal[] }> {
  const results: FileResult[] = [];
  const refused: Refusal[] = [];
  for (const file of files) {
    const name = path.basename(file);
    let bar: ProgressLine | undefined;
    let job: UploadedJob;
    try {
      job = await uploadFile(ctx.api, file, options, (sent, total) => {
        bar ??= ctx.progress.bar(`upload ${name}`, total, 'bytes');
        bar.update(sent);
      });
    } catch (err) {
      // With several files, one the server refuses (not audio, too long, too large) does not
      // stop the others; anything else (key, network) would fail them all.
      if (files.length === 1 || !(err instanceof CliError) || err.exitCode !== EXIT.USAGE) {
        throw err;
      }
      ctx.progress.log(`${name}: refused: ${err.message}`);
      process.stderr.write(`kazru: ${file}: ${err.message} [${err.code ?? 'ERROR'}]\n`);
      refused.push({ file, error: err });
      continue;
    } finally {
      bar?.stop();
    }
    ctx.progress.log(
      `${name}: job ${job.id} ${job.status}${job.reusedFromJobId ? ` (reused ${job.reusedFromJobId})` : ''}`,
    );
    results.push({
      file,
      job,
      status: job.status,
      errorCode: null,
      errorMessage: null,
      exports: [],
    });
  }
  return { results, refused };
}

/** The upload options from the flags. */
function uploadOptions(flags: TranscribeFlags): TranscriptionOptionsInput {
  const o: TranscriptionOptionsInput = {};
  if (flags.language) {
    o.languages = flags.language
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean);
  }
  if (flags.diarization) o.diarization = enumValue('--diarization', flags.diarization, DIARIZATION);
  if (flags.engine) o.engine = flags.engine;
  if (!flags.reuse) o.reuse = false;
  return o;
}

/** Follows one job's progress until it ends; records its final status on `r`. */
async function follow(ctx: CommandContext, r: FileResult): Promise<void> {
  const bar = ctx.progress.bar(`job ${path.basename(r.file)}`, 100, 'percent');
  await ctx.api.subscribe<CliJobProgressSubscription>(JOB_PROGRESS, { id: r.job.id }, (d) => {
    const e = d.jobProgress;
    r.status = e.status;
    r.errorCode = e.job.errorCode;
    r.errorMessage = e.job.errorMessage;
    bar.update(
      e.status === 'COMPLETED' ? 100 : e.progress,
      `${e.status} ${e.progress}%${e.message ? ` ${e.message}` : ''}`,
    );
  });
  bar.stop();
  if (!FINAL.includes(r.status)) {
    throw new CliError(
      EXIT.UNREACHABLE,
      `The progress of job ${r.job.id} ended before the job did (${r.status}).`,
      'NETWORK',
    );
  }
  if (r.status !== 'COMPLETED') {
    ctx.progress.log(
      `${path.basename(r.file)}: job ${r.job.id} ${r.status}${r.errorCode ? ` ${r.errorCode}: ${r.errorMessage ?? ''}` : ''}`,
    );
  }
}

function print(ctx: CommandContext, results: FileResult[], refused: Refusal[]): void {
  if (ctx.out.json) {
    printJson(ctx.out, {
      jobs: results.map((r) => ({
        file: r.file,
        job: {
          ...r.job,
          status: r.status,
          errorCode: r.errorCode ?? r.job.errorCode,
          errorMessage: r.errorMessage ?? r.job.errorMessage,
        },
        exports: r.exports,
      })),
      refused: refused.map((r) => ({
        file: r.file,
        error: { message: r.error.message, code: r.error.code ?? null },
      })),
    });
    return;
  }
  ctx.out.write(
    table(
      ['FILE', 'JOB', 'STATUS', 'SIZE', 'EXPORTS'],
      [
        ...results.map((r) => [
          r.file,
          r.job.id,
          r.errorCode ? `${r.status} (${r.errorCode})` : r.status,
          megabytes(r.job.sizeBytes),
          r.exports.map((e) => e.path).join(', ') || null,
        ]),
        ...refused.map((r) => [r.file, null, `REFUSED (${r.error.code ?? 'ERROR'})`, null, null]),
      ],
    ),
  );
}

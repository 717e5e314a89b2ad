/**
 * Transcript exports: asks `Transcript.exportUrl` for a signed link (GraphQL), then streams the
 * download (`GET /api/v1/jobs/{id}/export/{ext}?…`, src/http/routes.ts) to a file named as the
 * server's Content-Disposition says (`интервью-latn.docx`), or to stdout.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { networkError, type Api } from './api.js';
import { CliError, EXIT, exitCodeFor } from './errors.js';
import type {
  CliExportUrlQuery,
  CliExportUrlQueryVariables,
  ExportFormat,
  ExportOptionsInput,
  Script,
} from './generated/graphql.js';
import { EXPORT_URL } from './operations.js';

/** The formats `--format` accepts (lower case), as the schema's ExportFormat values. */
export const FORMATS: Record<string, ExportFormat> = {
  txt: 'TXT',
  docx: 'DOCX',
  srt: 'SRT',
  vtt: 'VTT',
  tsv: 'TSV',
  json: 'JSON',
};

/** The scripts `--script` accepts, as in download URLs, with their Script values. */
export const SCRIPTS: Record<string, Script> = {
  original: 'ORIGINAL',
  'kazakh-latin-2021': 'KAZAKH_LATIN_2021',
  'bgn-pcgn': 'BGN_PCGN',
};

/** Parses `srt` or `srt,docx` into ExportFormat values. @throws CliError (exit 2) */
export function parseFormats(list: string): ExportFormat[] {
  return list.split(',').map((f) => {
    const format = FORMATS[f.trim().toLowerCase()];
    if (!format) {
      throw new CliError(
        EXIT.USAGE,
        `Unknown format "${f}": use ${Object.keys(FORMATS).join(', ')}.`,
        'USAGE',
      );
    }
    return format;
  });
}

/** Parses `--script` (kazakh-latin-2021 or KAZAKH_LATIN_2021). @throws CliError (exit 2) */
export function parseScript(value: string): Script {
  const script = SCRIPTS[value.toLowerCase().replace(/_/g, '-')];
  if (!script) {
    throw new CliError(
      EXIT.USAGE,
      `Unknown script "${value}": use ${Object.keys(SCRIPTS).join(', ')}.`,
      'USAGE',
    );
  }
  return script;
}

/** Where an export goes: a directory (server's file name), a file path, or `-` for stdout. */
export type ExportTarget = { dir: string } | { file: string };

/** What was written. */
export interface ExportResult {
  jobId: string;
  format: ExportFormat;
  /** The file written, or "-" for stdout. */
  path: string;
  bytes: number;
}

/**
 * Downloads one export of a COMPLETED job.
 * @throws CliError NOT_FOUND (exit 4) for an unknown job or one without a transcript, and the
 *   server's refusals (bad options: exit 2)
 */
export async function downloadExport(
  api: Api,
  jobId: string,
  format: ExportFormat,
  options: ExportOptionsInput,
  target: ExportTarget,
): Promise<ExportResult> {
  const vars: CliExportUrlQueryVariables = { id: jobId, format, options };
  const data = await api.request<CliExportUrlQuery, CliExportUrlQueryVariables>(EXPORT_URL, vars);
  if (!data.job) throw new CliError(EXIT.NOT_FOUND, `No job with id ${jobId}.`, 'NOT_FOUND');
  if (!data.job.transcript) {
    throw new CliError(
      EXIT.NOT_FOUND,
      `Job ${jobId} has no transcript (status ${data.job.status}).`,
      'NOT_FOUND',
    );
  }
  const url = api.resolve(data.job.transcript.exportUrl);
  let res: Response;
  try {
    res = await fetch(url, { headers: api.authHeaders() });
  } catch (err) {
    throw networkError(api.target.url, err);
  }
  if (!res.ok || !res.body) throw await restError(res);
  const dest =
    'dir' in target
      ? claimPath(
          path.join(
            target.dir,
            fileName(res.headers.get('content-disposition'), `${jobId}.${format.toLowerCase()}`),
          ),
          jobId,
        )
      : target.file;
  const bytes = await save(res.body, dest);
  return { jobId, format, path: dest, bytes };
}

/** Export paths this process has written into `--out` directories. */
const claimed = new Set<string>();

/**
 * `dest`, or — when this run already wrote an export of another job there (two uploads named
 * `call.ogg` in different folders) — `dest` with the job id's first 8 characters before the
 * extension (`call-e680084c.srt`). A file left by an earlier run is overwritten, as a re-run
 * expects.
 */
function claimPath(dest: string, jobId: string): string {
  let chosen = dest;
  if (claimed.has(chosen)) {
    const ext = path.extname(dest);
    chosen = `${dest.slice(0, dest.length - ext.length)}-${jobId.slice(0, 8)}${ext}`;
  }
  claimed.add(chosen);
  return chosen;
}

/** Streams a body to `dest` ("-": stdout); returns the bytes written. */
async function save(body: ReadableStream<Uint8Array>, dest: string): Promise<number> {
  let bytes = 0;
  const counted = Readable.fromWeb(body);
  counted.on('data', (c: Buffer) => (bytes += c.length));
  if (dest === '-') {
    await pipeline(counted, process.stdout, { end: false });
    return bytes;
  }
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  await pipeline(counted, fs.createWriteStream(dest));
  return bytes;
}

/** The file name of a Content-Disposition header (RFC 6266 `filename*` first), made safe. */
export function fileName(header: string | null, fallback: string): string {
  let name: string | undefined;
  const star = header && /filename\*\s*=\s*[^']*'[^']*'([^;]+)/i.exec(header);
  if (star) {
    try {
      name = decodeURIComponent(star[1].trim());
    } catch {
      name = undefined;
    }
  }
  name ??= (header && /filename\s*=\s*"?([^";]+)"?/i.exec(header)?.[1]?.trim()) || fallback;
  // Never a path: the server names the file, the user names the directory.
  return path.basename(name.replace(/\\/g, '/')) || fallback;
}

/** A failed REST answer (`{ error: { code, message } }`) as a CliError. */
async function restError(res: Response): Promise<CliError> {
  const text = await res.text();
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (body.error?.message) {
      return new CliError(
        exitCodeFor(body.error.code, res.status),
        body.error.message,
        body.error.code,
      );
    }
  } catch {
    // Not JSON: described by status below.
  }
  return new CliError(
    exitCodeFor(undefined, res.status),
    `Export download failed: HTTP ${res.status}.`,
    'HTTP',
  );
}

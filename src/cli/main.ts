#!/usr/bin/env node
/**
 * `kazru`: the command-line client of KazRu-STT Pro for partners and operators. It speaks only
 * the public API (GraphQL over HTTP and graphql-ws, the export downloads) with an API key:
 * `--url`/KAZRU_URL (default http://127.0.0.1:4000, the server's default PORT) and
 * `--key`/KAZRU_API_KEY. Results go to stdout (`--json` for scripts), progress and errors to
 * stderr; the exit codes are in {@link EXIT_CODES_HELP}.
 */
import fs from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { Api } from './api.js';
import { cancelJob, deleteJob, listJobs, showJob, type JobsFlags } from './commands/jobs.js';
import { exportJob, type ExportFlags } from './commands/export.js';
import { transcribe, type TranscribeFlags } from './commands/transcribe.js';
import { usage, type UsageFlags } from './commands/usage.js';
import { createWebhook, deleteWebhook, listWebhooks, rotateWebhook } from './commands/webhooks.js';
import type { CommandContext } from './context.js';
import { CliError, EXIT, EXIT_CODES_HELP, type ExitCode } from './errors.js';
import { stdoutOut } from './output.js';
import { Progress } from './progress.js';

/** The server the CLI talks to when neither --url nor KAZRU_URL says otherwise. */
export const DEFAULT_URL = 'http://127.0.0.1:4000';

/** This package's version (package.json, three levels above dist/src/cli/main.js). */
function packageVersion(): string {
  try {
    const pkg = fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8');
    return (JSON.parse(pkg) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Global flags. */
interface GlobalFlags {
  url: string;
  key?: string;
  json?: boolean;
  quiet?: boolean;
  reportRss?: boolean;
}

/** Builds the command tree; `run(cmd, fn)` runs a command's body with its context. */
export function buildProgram(
  run: (cmd: Command, fn: (ctx: CommandContext) => Promise<ExitCode>) => Promise<void>,
): Command {
  const program = new Command('kazru')
    .description('Command-line client of KazRu-STT Pro (Kazakh/Russian transcription).')
    .version(packageVersion())
    .addOption(new Option('--url <url>', 'server base URL').env('KAZRU_URL').default(DEFAULT_URL))
    .addOption(new Option('--key <key>', 'API key').env('KAZRU_API_KEY'))
    .option('--json', 'print results as JSON (for scripts)')
    .option('-q, --quiet', 'no progress output on stderr')
    .addOption(new Option('--report-rss', 'print peak RSS to stderr at exit').hideHelp())
    .addHelpText('after', `\n${EXIT_CODES_HELP}\n`)
    .showHelpAfterError('(run kazru --help for usage)')
    .exitOverride();

  program
    .command('transcribe')
    .description('upload recordings; with --wait follow them and write exports when done')
    .argument('<files...>', 'audio files (wav, mp3, flac, ogg, m4a, webm)')
    .option('--language <tags>', 'BCP-47 languages, comma-separated (e.g. kk-KZ,ru-RU or auto)')
    .option('--diarization <mode>', 'auto, channels, speaker-labeling or none')
    .option('--engine <id>', 'speech engine id (serviceInfo.engines)')
    .option('--no-reuse', 'transcribe again even if the same recording was done before')
    .option('--wait', 'follow each job until it ends; exit 1 if one does not complete')
    .option(
      '--format <list>',
      'exports to write when done: txt,docx,srt,vtt,tsv,json (implies --wait)',
    )
    .option('--out <dir>', 'directory for the exports (implies --wait; default format txt)')
    .option('--script <script>', 'exports: original, kazakh-latin-2021 or bgn-pcgn')
    .option('--locale <locale>', 'exports: kk, ru or en')
    .action((files: string[], flags: TranscribeFlags, cmd: Command) =>
      run(cmd, (ctx) => transcribe(ctx, files, flags)),
    );

  program
    .command('jobs')
    .description('list jobs, newest first')
    .option('--first <n>', 'page size, 1..100', '20')
    .option('--after <cursor>', 'continue after this cursor (printed below a page)')
    .option('--status <status>', 'only jobs in this status (e.g. completed, failed)')
    .action((flags: JobsFlags, cmd: Command) => run(cmd, (ctx) => listJobs(ctx, flags)));

  program
    .command('show')
    .description("show a job's details and speakers")
    .argument('<id>', 'job id')
    .action((id: string, _f: unknown, cmd: Command) => run(cmd, (ctx) => showJob(ctx, id)));

  program
    .command('export')
    .description('download a transcript export')
    .argument('<id>', 'job id')
    .option('--format <format>', 'txt, docx, srt, vtt, tsv or json', 'txt')
    .option('--script <script>', 'original, kazakh-latin-2021 or bgn-pcgn')
    .option('--locale <locale>', 'language of headers and labels: kk, ru or en')
    .option('--no-timestamps', 'leave out times (TXT, DOCX)')
    .option('--no-speakers', 'leave out speaker names')
    .option('--language-tags', "mark each turn's language")
    .option('--out <path>', 'file or directory to write (default: server name in .); - for stdout')
    .action((id: string, flags: ExportFlags, cmd: Command) =>
      run(cmd, (ctx) => exportJob(ctx, id, flags)),
    );

  program
    .command('usage')
    .description('usage and estimated cost per engine and day or month')
    .option(
      '--from <date>',
      'first upload time counted, YYYY-MM-DD or ISO 8601 (default: 1st of this month)',
    )
    .option('--to <date>', 'end of the range, exclusive (default: now)')
    .option('--group-by <period>', 'day or month', 'day')
    .action((flags: UsageFlags, cmd: Command) => run(cmd, (ctx) => usage(ctx, flags)));

  const webhooks = program.command('webhooks').description('manage webhook endpoints');
  webhooks
    .command('list')
    .description('list your endpoints')
    .action((_f: unknown, cmd: Command) => run(cmd, (ctx) => listWebhooks(ctx)));
  webhooks
    .command('create')
    .description('register a URL; prints its signing secret once')
    .argument('<url>', 'https URL that accepts POST')
    .option(
      '--events <list>',
      'job.completed,job.failed,job.cancelled,job.expired,transcript.edited',
    )
    .option('--description <text>', 'what it is for')
    .action((url: string, flags: { events?: string; description?: string }, cmd: Command) =>
      run(cmd, (ctx) => createWebhook(ctx, url, flags)),
    );
  webhooks
    .command('delete')
    .description('delete an endpoint and its delivery log')
    .argument('<id>', 'endpoint id')
    .action((id: string, _f: unknown, cmd: Command) => run(cmd, (ctx) => deleteWebhook(ctx, id)));
  webhooks
    .command('rotate')
    .description('new signing secret (the old one signs too for 24 h)')
    .argument('<id>', 'endpoint id')
    .action((id: string, _f: unknown, cmd: Command) => run(cmd, (ctx) => rotateWebhook(ctx, id)));

  program
    .command('cancel')
    .description('stop an unfinished job')
    .argument('<id>', 'job id')
    .action((id: string, _f: unknown, cmd: Command) => run(cmd, (ctx) => cancelJob(ctx, id)));
  program
    .command('delete')
    .description('delete a job, its transcript and files')
    .argument('<id>', 'job id')
    .action((id: string, _f: unknown, cmd: Command) => run(cmd, (ctx) => deleteJob(ctx, id)));

  for (const c of [program, ...program.commands, ...webhooks.commands]) c.exitOverride();
  return program;
}

/** Prints a failure on stderr (or as JSON on stdout with --json). */
function report(err: CliError, json: boolean): void {
  if (json) {
    const error = { message: err.message, code: err.code ?? null, extensions: err.extensions };
    process.stdout.write(`${JSON.stringify({ error }, null, 2)}\n`);
  }
  process.stderr.write(`kazru: ${err.message}${err.code ? ` [${err.code}]` : ''}\n`);
}

/** Runs the CLI with `argv` (process.argv); resolves with the exit code. */
export async function main(argv: string[]): Promise<ExitCode> {
  let exitCode: ExitCode = EXIT.OK;
  let globals: GlobalFlags | undefined;
  const program = buildProgram(async (cmd, fn) => {
    globals = cmd.optsWithGlobals<GlobalFlags>();
    const api = new Api({ url: globals.url, key: globals.key || undefined });
    const ctx: CommandContext = {
      api,
      out: stdoutOut(Boolean(globals.json)),
      progress: new Progress(process.stderr, Boolean(globals.quiet)),
    };
    try {
      exitCode = await fn(ctx);
    } finally {
      ctx.progress.stop();
      await api.close();
    }
  });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    exitCode = failure(err, Boolean(globals?.json));
  }
  if (globals?.reportRss || argv.includes('--report-rss')) {
    // maxRSS is in kilobytes (getrusage ru_maxrss on Linux).
    process.stderr.write(`kazru: maxRSS ${process.resourceUsage().maxRSS * 1024}\n`);
  }
  return exitCode;
}

/** The exit code of a thrown error; prints it. */
function failure(err: unknown, json: boolean): ExitCode {
  if (err instanceof CommanderError) {
    // Help and --version are not failures; every other commander error is a usage error (its
    // message is already printed).
    return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  }
  if (err instanceof CliError) {
    report(err, json);
    return err.exitCode;
  }
  const e = new CliError(EXIT.UNREACHABLE, err instanceof Error ? err.message : String(err));
  report(e, json);
  return e.exitCode;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`kazru: ${String(err)}\n`);
    process.exitCode = EXIT.UNREACHABLE;
  },
);

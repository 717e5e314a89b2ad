/**
 * Process plumbing for `src/media`: the hardened input options every ffmpeg/ffprobe run uses, a
 * promise wrapper around a fluent-ffmpeg command that can be time-bounded and aborted, and a
 * time-bounded, abortable ffprobe runner. Internal to `src/media`; nothing else spawns ffmpeg.
 *
 * Every ffmpeg/ffprobe is started
 * - in its own process group (`detached: true`, i.e. setsid(2)), and stopped by SIGKILL to the
 *   whole group (`kill(-pid)`) on timeout or cancel, so nothing it started (or a wrapper such as
 *   `strace` or `nice` started for it) outlives it;
 * - through `setpriv --pdeathsig KILL` where available, so it dies with the process that started it;
 * - in the directory of the file it reads (callers pass the job directory as `cwd`);
 * - with our environment minus `FFREPORT` (which would make ffmpeg write a log file).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import ffmpeg from 'fluent-ffmpeg';

/**
 * Demuxers an upload may be read with (`-format_whitelist`). Covers the accepted upload types
 * wav, mp3, flac, ogg, m4a and webm, plus raw ADTS AAC. Everything else, notably `hls` and
 * `concat` (which open other files named inside the upload), image demuxers and text formats, is
 * refused by ffmpeg with "Format not on whitelist". `mov,mp4,m4a,3gp,3g2,mj2` and `matroska,webm`
 * are the full names of the MP4 and Matroska demuxers.
 */
export const INPUT_DEMUXERS = [
  'wav',
  'mp3',
  'flac',
  'ogg',
  'mov,mp4,m4a,3gp,3g2,mj2',
  'matroska,webm',
  'aac',
] as const;

/**
 * Options placed before every `-i`: only the `file` protocol (no URLs, no `data:`/`crypto:`
 * nesting) and only the demuxers above. A protocol whitelist alone is not enough: an HLS playlist
 * renamed to `.wav` still reads other local files through `file` (reliability notes, ffmpeg
 * hardening); the demuxer whitelist is what stops it.
 */
export const INPUT_HARDENING_OPTIONS: readonly string[] = [
  '-protocol_whitelist',
  'file',
  '-format_whitelist',
  INPUT_DEMUXERS.join(','),
];

/**
 * Output options of every run that writes audio: the first audio stream only, no video, subtitle
 * or data streams, and none of the input's metadata (tags of an upload never reach our files).
 */
export const AUDIO_ONLY_OUTPUT: readonly string[] = [
  '-map',
  '0:a:0',
  '-vn',
  '-sn',
  '-dn',
  '-map_metadata',
  '-1',
];

/**
 * The ffmpeg binary: `FFMPEG_PATH`, else `ffmpeg` looked up on `PATH`; ffprobe likewise with
 * `FFPROBE_PATH`. Read at every start, so a test can put wrappers in front.
 */
const ffmpegBin = (): string => process.env.FFMPEG_PATH || 'ffmpeg';
const ffprobeBin = (): string => process.env.FFPROBE_PATH || 'ffprobe';

/** Environment of ffmpeg/ffprobe: ours without `FFREPORT`, which makes ffmpeg write report files. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.FFREPORT;
  return env;
}

/** Spawn options every ffmpeg/ffprobe gets on top of `cwd`: own process group, clean env. */
const groupSpawnOptions = (): SpawnOptions => ({
  detached: true,
  env: childEnv(),
  windowsHide: true,
});

/**
 * SIGKILLs the process group led by `pid` (every ffmpeg/ffprobe here leads its own, see the
 * module comment), falling back to the single process. Call only while the process has not been
 * reaped (before its 'exit'), so the id cannot have been reused. Never throws.
 */
export function killProcessGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * `setpriv` (util-linux) if this is Linux and it is installed, else undefined. ffmpeg and ffprobe
 * are started through `setpriv --pdeathsig KILL -- <binary> …`: setpriv sets PR_SET_PDEATHSIG
 * and execs the binary in place (same pid, same command line), so the kernel SIGKILLs it the
 * moment the worker that started it dies, even when the worker itself was SIGKILLed or ran out
 * of memory. ffmpeg ignores SIGPIPE, so without this it would run on after its worker's death.
 * (Node spawns children from the main thread, whose exit is the process's exit.)
 */
export const SETPRIV_PATH: string | undefined =
  process.platform === 'linux'
    ? ['/usr/bin/setpriv', '/bin/setpriv', '/usr/sbin/setpriv'].find((p) => existsSync(p))
    : undefined;

const PDEATHSIG_ARGS = ['--pdeathsig', 'KILL', '--'];

/** `[command, args]` that start `bin args…`, through setpriv when available. */
function withPdeathsig(bin: string, args: string[]): [string, string[]] {
  return SETPRIV_PATH ? [SETPRIV_PATH, [...PDEATHSIG_ARGS, bin, ...args]] : [bin, args];
}

/**
 * Makes a fluent-ffmpeg command start its ffmpeg in its own process group with our environment,
 * and through {@link SETPRIV_PATH} so it dies with this process. fluent-ffmpeg 2.1.3 (archived
 * upstream, pinned here) has no spawn hook; its internal `_spawnFfmpeg(args, options, …)` (which
 * passes `options` to `child_process.spawn`) is wrapped on this one command object, as
 * fluent-ffmpeg itself does for `nice`. Runs without a cwd of their own (fluent-ffmpeg's capability
 * checks) get `cwd` too.
 */
function startInOwnGroup(command: ffmpeg.FfmpegCommand, cwd: string | undefined): void {
  const internal = command as unknown as {
    _spawnFfmpeg: (args: string[], options: unknown, ...rest: unknown[]) => unknown;
  };
  const spawnFfmpeg = internal._spawnFfmpeg.bind(command);
  const [bin, prefix] = withPdeathsig(ffmpegBin(), []);
  command.setFfmpegPath(bin);
  internal._spawnFfmpeg = (args, options, ...rest) =>
    typeof options === 'object' && options !== null
      ? spawnFfmpeg(
          [...prefix, ...args],
          // fluent-ffmpeg's own capability checks (`ffmpeg -formats`, `-encoders`) pass no cwd.
          { cwd, ...options, ...groupSpawnOptions() },
          ...withSafeEnd(rest),
        )
      : spawnFfmpeg([...prefix, ...args], options, ...withSafeEnd(rest));
}

/** What fluent-ffmpeg's end callback reads from an output ring buffer. */
const EMPTY_RING = { get: () => '' };

/**
 * fluent-ffmpeg 2.1.3 answers a spawn failure (the child's 'error' event: ENOENT for a missing
 * binary or a working directory removed meanwhile, EAGAIN) by calling its end callback without
 * its stdout/stderr rings, and that callback then throws reading them — an uncaught TypeError
 * that ended the whole process (seen when a job's scratch directory was removed while its
 * ffmpeg was being started). The end callback, always the last function argument, gets empty
 * rings in that case, so the spawn error reaches the command's 'error' listener like any other.
 */
function withSafeEnd(rest: unknown[]): unknown[] {
  const last = rest.length - 1;
  const end = rest[last];
  if (typeof end !== 'function') return rest;
  const safe = (err: unknown, stdoutRing?: unknown, stderrRing?: unknown) =>
    (end as (...a: unknown[]) => unknown)(err, stdoutRing ?? EMPTY_RING, stderrRing ?? EMPTY_RING);
  return [...rest.slice(0, last), safe];
}

/** The last two non-empty lines of an ffmpeg error message, joined: what a job error quotes. */
export function lastLines(message: string): string {
  return message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-2)
    .join(' ');
}

/** ffmpeg/ffprobe was killed because it ran past its time budget. */
export class MediaTimeoutError extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`${what} did not finish within ${timeoutMs} ms and was killed`);
    this.name = 'MediaTimeoutError';
  }
}

/** ffmpeg/ffprobe exited with an error. `stderr` holds its last log lines. */
export class MediaProcessError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'MediaProcessError';
  }
}

/**
 * What an aborted operation rejects with: `signal.reason` when it is an Error (the default reason
 * of `AbortController.abort()` is an `AbortError` DOMException), else a new `AbortError`.
 */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error
    ? reason
    : new DOMException('The operation was aborted', 'AbortError');
}

export interface RunOptions {
  /**
   * Kill ffmpeg's process group (SIGKILL) after this many milliseconds and reject with
   * {@link MediaTimeoutError}.
   */
  timeoutMs?: number;
  /** Kill ffmpeg's process group (SIGKILL) when aborted and reject with the signal's reason. */
  signal?: AbortSignal;
  /** Called with every stderr line (ffmpeg's `\r`-terminated stats lines included). */
  onLine?: (line: string) => void;
  /** Working directory of the process. */
  cwd?: string;
}

/** How many trailing stderr lines are kept for error messages and result parsing. */
const KEPT_LINES = 400;

/**
 * Runs a prepared fluent-ffmpeg command to completion.
 *
 * Resolves with the last {@link KEPT_LINES} stderr lines. Rejects with {@link MediaProcessError}
 * when ffmpeg fails, {@link MediaTimeoutError} on timeout, or the signal's reason on abort; in the
 * last two cases ffmpeg's whole process group has been killed with SIGKILL and the promise settles
 * only after every process holding its output pipes exited, so callers may safely delete its
 * output afterwards.
 *
 * Never attach a fluent-ffmpeg `progress` listener: fluent-ffmpeg 2.1.3 then runs its own ffprobe
 * on the input without our whitelists (processor.js `runFfprobe`). Parse stats lines via `onLine`.
 */
export function runFfmpeg(command: ffmpeg.FfmpegCommand, opts: RunOptions = {}): Promise<string[]> {
  const { timeoutMs, signal, onLine } = opts;
  return new Promise<string[]>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const lines: string[] = [];
    let stop: { error: Error } | undefined;
    let pid: number | undefined;
    let exited = false;
    let timer: NodeJS.Timeout | undefined;

    const kill = (error: Error) => {
      if (stop) return;
      stop = { error };
      // Before 'start' there is no process yet; the 'start' handler kills it as soon as it exists.
      if (pid !== undefined && !exited) killProcessGroup(pid);
    };
    const onAbort = () => kill(abortReason(signal!));
    const cleanup = () => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };

    command.on('start', () => {
      // fluent-ffmpeg sets `ffmpegProc` just before emitting 'start'.
      const proc = (command as unknown as { ffmpegProc?: ChildProcess }).ffmpegProc;
      pid = proc?.pid;
      proc?.once('exit', () => (exited = true));
      if (stop) killProcessGroup(pid);
    });
    command.on('stderr', (line: string) => {
      lines.push(line);
      if (lines.length > KEPT_LINES) lines.shift();
      onLine?.(line);
    });
    command.on('error', (err: Error) => {
      cleanup();
      if (stop) reject(stop.error);
      else reject(new MediaProcessError(err.message, lines.join('\n')));
    });
    command.on('end', () => {
      cleanup();
      if (stop) reject(stop.error);
      else resolve(lines);
    });

    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => kill(new MediaTimeoutError('ffmpeg', timeoutMs)), timeoutMs);
    }
    command.run();
  });
}

/**
 * Builds a fluent-ffmpeg command reading `inputPath` with {@link INPUT_HARDENING_OPTIONS}.
 * `extraInputOptions` go before `-i` too (e.g. `-t` as a decode cap). Its ffmpeg runs in `cwd`, in
 * its own process group, and dies with this process (see {@link SETPRIV_PATH}).
 */
export function hardenedCommand(
  inputPath: string,
  extraInputOptions: string[] = [],
  cwd?: string,
): ffmpeg.FfmpegCommand {
  const command = ffmpeg({ cwd })
    .input(inputPath)
    .inputOptions(['-nostdin', '-hide_banner', ...INPUT_HARDENING_OPTIONS, ...extraInputOptions]);
  startInOwnGroup(command, cwd);
  return command;
}

/**
 * Fills fluent-ffmpeg's process-wide capability cache (`ffmpeg -formats`, `ffmpeg -encoders`),
 * which it otherwise fills on the first command it runs: about 0.2 s added to the first upload's
 * probe on the 2-core dev box. Call once at start-up; resolves when both lists are cached.
 * @throws Error when ffmpeg cannot be started (the first real command would fail the same way).
 */
export async function warmMediaTools(): Promise<void> {
  const command = ffmpeg();
  startInOwnGroup(command, undefined);
  const run = (fn: (cb: (err: Error | null) => void) => void) =>
    new Promise<void>((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));
  await run((cb) => command.availableFormats(cb));
  await run((cb) => command.availableEncoders(cb));
}

/** ffprobe output beyond this many bytes is refused (its JSON for one file is a few KB). */
const MAX_FFPROBE_STDOUT_BYTES = 16 * 1024 * 1024;
/** Trailing stderr kept from ffprobe, in bytes. */
const KEPT_STDERR_BYTES = 64 * 1024;

/**
 * Runs ffprobe with `args` (the hardening options are added in front of the input by the caller)
 * in `cwd`, in its own process group, and resolves with its stdout/stderr. fluent-ffmpeg's
 * `ffprobe()` hides the child process, so it could not be killed; this runs the same binary
 * directly.
 *
 * @param opts.timeoutMs after this many milliseconds the process group is SIGKILLed and the
 *   promise rejects with {@link MediaTimeoutError}.
 * @param opts.signal abort kills the process group likewise and rejects with the signal's reason.
 * @throws MediaProcessError on a non-zero exit, a failed start, or more than 16 MiB on stdout.
 *   Settles only after the process group's output pipes closed.
 */
export function runFfprobe(
  args: string[],
  opts: { timeoutMs: number; cwd?: string; signal?: AbortSignal },
): Promise<{ stdout: string; stderr: string }> {
  const { signal } = opts;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const [bin, argv] = withPdeathsig(ffprobeBin(), args);
    const child = spawn(bin, argv, {
      ...groupSpawnOptions(),
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = Buffer.alloc(0);
    let stop: Error | undefined;
    let exited = false;
    const kill = (error: Error) => {
      if (stop) return;
      stop = error;
      if (!exited) killProcessGroup(child.pid);
    };
    const onAbort = () => kill(abortReason(signal!));
    const timer = setTimeout(
      () => kill(new MediaTimeoutError('ffprobe', opts.timeoutMs)),
      opts.timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };

    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > MAX_FFPROBE_STDOUT_BYTES) {
        kill(new MediaProcessError('ffprobe printed more than 16 MiB', ''));
      } else out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err = Buffer.concat([err, chunk]);
      if (err.length > KEPT_STDERR_BYTES) err = err.subarray(err.length - KEPT_STDERR_BYTES);
    });
    child.once('exit', () => (exited = true));
    child.once('error', (error) => {
      exited = true;
      cleanup();
      reject(new MediaProcessError(`ffprobe could not be started: ${error.message}`, ''));
    });
    child.once('close', (code, sig) => {
      cleanup();
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = err.toString('utf8');
      if (stop) reject(stop);
      else if (code === 0) resolve({ stdout, stderr });
      else {
        reject(
          new MediaProcessError(
            `ffprobe failed: ${stderr.trim() || `exit ${code ?? sig}`}`,
            stderr,
          ),
        );
      }
    });
  });
}

/** Parses the `time=HH:MM:SS.xx` field of an ffmpeg stats line, in seconds; undefined if absent. */
export function parseStatsTime(line: string): number | undefined {
  const m = /time=\s*(-?)(\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(line);
  if (!m) return undefined;
  const s = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
  return m[1] ? -s : s;
}

/**
 * Kills (SIGKILL, with its process group) every process whose command line mentions `pathFragment` and that is not a
 * child of this process: an ffmpeg left behind by a worker that died, found by the job file it
 * writes. A worker's ffmpeg normally dies with it (see {@link SETPRIV_PATH}); this is the
 * backstop for hosts without setpriv, run before a job is transcoded again.
 *
 * Reads `/proc`, so it acts on Linux only (elsewhere it finds nothing) and only within this
 * process's PID namespace. Never throws.
 * @returns the pids killed.
 */
export async function killStrayProcesses(pathFragment: string): Promise<number[]> {
  const killed: number[] = [];
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return killed;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
      if (!cmdline.some((arg) => arg.includes(pathFragment))) continue;
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      // Fields after the ")" that ends the command name: state, ppid, ...
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid) continue;
      killProcessGroup(pid);
      killed.push(pid);
    } catch {
      // gone meanwhile, or not ours to read or kill
    }
  }
  return killed;
}

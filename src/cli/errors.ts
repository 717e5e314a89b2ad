/**
 * The CLI's exit codes and its one error type. Every failure a command meets becomes a
 * {@link CliError} carrying the exit code a script can branch on; GraphQL errors keep the
 * server's message and `extensions.code`.
 */

/** Exit codes of `kazru`, documented in `kazru --help` and the README. */
export const EXIT = {
  /** Done; with --wait every job COMPLETED. */
  OK: 0,
  /** A job ended FAILED, CANCELLED or EXPIRED (with --wait, or `show` of such a job is still 0). */
  JOB_FAILED: 1,
  /** Bad flags or arguments, or the server refused the input (BAD_USER_INPUT, validation). */
  USAGE: 2,
  /** The API key is missing, invalid or not allowed (UNAUTHENTICATED, FORBIDDEN). */
  AUTH: 3,
  /** No such job, transcript or webhook endpoint (NOT_FOUND). */
  NOT_FOUND: 4,
  /** The server could not be reached, or answered with a server error (5xx, INTERNAL_SERVER_ERROR). */
  UNREACHABLE: 5,
  /** Refused for now: RATE_LIMITED, QUOTA_EXCEEDED, CONFLICT; try again later. */
  RETRY_LATER: 6,
} as const;

/** One of {@link EXIT}'s values. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit-code table as `kazru --help` prints it. */
export const EXIT_CODES_HELP = `Exit codes:
  0  done (with --wait: every job COMPLETED)
  1  a job ended FAILED, CANCELLED or EXPIRED
  2  usage error: bad flags or arguments, or input the server refused (BAD_USER_INPUT)
  3  authentication: key missing, invalid or not allowed (UNAUTHENTICATED, FORBIDDEN)
  4  not found (no such job or webhook endpoint)
  5  server unreachable, or a server error (5xx, INTERNAL_SERVER_ERROR)
  6  refused for now (RATE_LIMITED, QUOTA_EXCEEDED, CONFLICT): try again later`;

/**
 * A failure to report: `message` for people, `code` the GraphQL `extensions.code` (or a CLI
 * code such as NETWORK), `exitCode` the process exit code.
 */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    readonly code?: string,
    readonly extensions?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The exit code for a GraphQL `extensions.code` (and the HTTP status it came with, if any). */
export function exitCodeFor(code: string | undefined, httpStatus?: number): ExitCode {
  switch (code) {
    case 'UNAUTHENTICATED':
    case 'FORBIDDEN':
      return EXIT.AUTH;
    case 'NOT_FOUND':
      return EXIT.NOT_FOUND;
    case 'BAD_USER_INPUT':
    case 'BAD_REQUEST':
    case 'GRAPHQL_VALIDATION_FAILED':
    case 'GRAPHQL_PARSE_FAILED':
    case 'PAYLOAD_TOO_LARGE':
      return EXIT.USAGE;
    case 'RATE_LIMITED':
    case 'QUOTA_EXCEEDED':
    case 'CONFLICT':
      return EXIT.RETRY_LATER;
    default:
      if (httpStatus === 401 || httpStatus === 403) return EXIT.AUTH;
      if (httpStatus === 404) return EXIT.NOT_FOUND;
      if (httpStatus === 429) return EXIT.RETRY_LATER;
      if (httpStatus !== undefined && httpStatus >= 400 && httpStatus < 500) return EXIT.USAGE;
      return EXIT.UNREACHABLE;
  }
}

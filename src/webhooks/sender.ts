/**
 * One delivery attempt over HTTP: POST the signed body, within a timeout, through an agent
 * that refuses non-public addresses (`./ssrf.ts`), never following redirects. Only the status
 * and headers of the answer matter; its body is read up to 64 KiB and dropped.
 */
import http from 'node:http';
import https from 'node:https';
import type { WebhooksConfig } from '../config/webhooks.js';
import { agentFor, describeRefusal, inspectUrl } from './ssrf.js';
import { WebhookAttemptOutcome } from './types.js';

/** `User-Agent` of every delivery. */
export const USER_AGENT = 'KazRu-STT-Pro-Webhooks/1.0';

/** Most of an answer's body read before the socket is dropped, bytes. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** What one attempt came to. */
export interface AttemptResult {
  outcome: WebhookAttemptOutcome;
  /** HTTP status, when an answer arrived. */
  statusCode?: number;
  /** Milliseconds from the start of the attempt to its end. */
  latencyMs: number;
  /** What went wrong, for the delivery log (≤ 500 characters). */
  error?: string;
  /** Seconds asked for by a `Retry-After` header (429, 503, …), if any. */
  retryAfterSeconds?: number;
}

/**
 * Parses `Retry-After`: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
 * @returns seconds from `now` (≥ 0), or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** Classifies an HTTP status. */
function outcomeOf(status: number): WebhookAttemptOutcome {
  if (status >= 200 && status < 300) return WebhookAttemptOutcome.SUCCESS;
  if (status === 410) return WebhookAttemptOutcome.GONE;
  if (status >= 300 && status < 400) return WebhookAttemptOutcome.REDIRECT_NOT_FOLLOWED;
  return WebhookAttemptOutcome.HTTP_ERROR;
}

class AttemptTimeout extends Error {}

/**
 * Sends one attempt. Never throws: every failure is an {@link AttemptResult}.
 * @param rawUrl the endpoint URL, checked again here (rules may have changed since it was saved).
 * @param headers the Standard Webhooks headers (`./signing.ts`).
 */
export async function sendAttempt(
  rawUrl: string,
  body: string,
  headers: Record<string, string>,
  cfg: WebhooksConfig,
): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const url = inspectUrl(rawUrl, cfg);
  if (!(url instanceof URL)) {
    const outcome =
      url.reason === 'WEBHOOK_ADDRESS_REFUSED'
        ? WebhookAttemptOutcome.ADDRESS_REFUSED
        : WebhookAttemptOutcome.URL_REFUSED;
    return { outcome, latencyMs: elapsed(), error: url.message.slice(0, 500) };
  }
  const agent = agentFor(url, cfg);
  try {
    const answer = await post(url, body, headers, agent, cfg.timeoutMs);
    const outcome = outcomeOf(answer.status);
    const result: AttemptResult = { outcome, statusCode: answer.status, latencyMs: elapsed() };
    if (outcome === WebhookAttemptOutcome.REDIRECT_NOT_FOLLOWED) {
      result.error = `answered ${answer.status} to ${answer.location ?? '(no Location)'}; redirects are not followed`;
    } else if (outcome === WebhookAttemptOutcome.HTTP_ERROR) {
      result.error = `answered HTTP ${answer.status}`;
    }
    const retryAfter = parseRetryAfter(answer.retryAfter);
    if (retryAfter !== undefined) result.retryAfterSeconds = retryAfter;
    if (result.error) result.error = result.error.slice(0, 500);
    return result;
  } catch (err) {
    const e = err as Error & { code?: string };
    if (e instanceof AttemptTimeout) {
      return {
        outcome: WebhookAttemptOutcome.TIMEOUT,
        latencyMs: elapsed(),
        error: `no answer within ${cfg.timeoutMs} ms`,
      };
    }
    const refused = describeRefusal(e);
    if (refused) {
      return {
        outcome: WebhookAttemptOutcome.ADDRESS_REFUSED,
        latencyMs: elapsed(),
        error: refused,
      };
    }
    const what = [e.code, e.message].filter(Boolean).join(': ');
    return {
      outcome: WebhookAttemptOutcome.NETWORK_ERROR,
      latencyMs: elapsed(),
      error: what.slice(0, 500),
    };
  } finally {
    agent.destroy();
  }
}

/** The parts of an answer a delivery looks at. */
interface Answer {
  status: number;
  retryAfter?: string;
  location?: string;
}

function post(
  url: URL,
  body: string,
  headers: Record<string, string>,
  agent: http.Agent,
  timeoutMs: number,
): Promise<Answer> {
  const request = url.protocol === 'https:' ? https.request : http.request;
  return new Promise<Answer>((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      agent,
      headers: {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': USER_AGENT,
        ...headers,
      },
    });
    const timer = setTimeout(() => req.destroy(new AttemptTimeout()), timeoutMs);
    req.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.once('response', (res) => {
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_ANSWER_BYTES) res.destroy();
      });
      const done = () => {
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          retryAfter: header(res.headers['retry-after']),
          location: header(res.headers.location),
        });
      };
      res.once('end', done);
      res.once('close', done);
      res.once('error', done);
    });
    req.end(body);
  });
}

const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/**
 * Which webhook URLs and addresses may be called (SSRF). Rules:
 * - https only; http only with `WEBHOOK_ALLOW_HTTP=true`; no user:password in the URL.
 * - The host is resolved at every delivery, and the address the connection uses is the one
 *   checked: the check runs inside the socket's DNS lookup (`request-filtering-agent`, azu,
 *   which validates every address `dns.lookup` returns before `connect`), so there is no window
 *   for DNS rebinding between check and connection. Anything but a public unicast address is
 *   refused — loopback, private, link-local (169.254.169.254, the cloud metadata address),
 *   unique-local, carrier-grade NAT, multicast, reserved, unspecified, and every IPv4-mapped
 *   IPv6 address (`::ffff:127.0.0.1`) — unless the URL's host is listed in
 *   `WEBHOOK_ALLOWED_HOSTS`.
 * - IP literals are also checked when the URL is saved, so an obvious mistake is refused at once.
 * - Redirects are never followed (Node's `http.request` does not; a 3xx is a failed attempt).
 */
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';
import type { Agent } from 'node:http';
import type { WebhooksConfig } from '../config/webhooks.js';
import { BadInputError } from '../errors.js';

/** Longest endpoint URL, characters. */
export const MAX_URL_LENGTH = 2048;

/** The URL's host without IPv6 brackets, lower case. */
export function hostOf(url: URL): string {
  return url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
}

/** True when `host` is listed in `allowedHosts` (exactly, or under a `*.` entry). */
export function isAllowedHost(host: string, allowedHosts: readonly string[]): boolean {
  const h = host.toLowerCase();
  return allowedHosts.some((a) => (a.startsWith('*.') ? h.endsWith(a.slice(1)) : h === a));
}

/**
 * Why an IP address may not be called, or undefined when it may (a public unicast address).
 * @returns the ipaddr.js range name, e.g. `loopback`, `private`, `linkLocal`, `ipv4Mapped`.
 */
export function refusedRange(address: string): string | undefined {
  if (net.isIP(address) === 0) return 'not an IP address';
  const range = ipaddr.parse(address).range();
  return range === 'unicast' ? undefined : range;
}

/** Why a URL is refused: `reason` is the GraphQL `extensions.reason`. */
export interface UrlRefusal {
  reason: 'WEBHOOK_URL_INVALID' | 'WEBHOOK_URL_NOT_HTTPS' | 'WEBHOOK_ADDRESS_REFUSED';
  message: string;
}

/**
 * Checks a URL's form and, for an IP literal, its address (hosts are resolved per delivery).
 * @returns the parsed URL, or why it is refused.
 */
export function inspectUrl(raw: string, cfg: WebhooksConfig): URL | UrlRefusal {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { reason: 'WEBHOOK_URL_INVALID', message: `"${raw}" is not a URL: use https://…` };
  }
  if (raw.length > MAX_URL_LENGTH) {
    return {
      reason: 'WEBHOOK_URL_INVALID',
      message: `The URL is longer than ${MAX_URL_LENGTH} characters.`,
    };
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && cfg.allowHttp)) {
    return {
      reason: 'WEBHOOK_URL_NOT_HTTPS',
      message: cfg.allowHttp
        ? 'Webhook URLs must start with https:// or http://.'
        : 'Webhook URLs must use https:// (this server does not send webhooks over plain http).',
    };
  }
  if (url.username || url.password) {
    return {
      reason: 'WEBHOOK_URL_INVALID',
      message:
        'Leave credentials out of the URL: every webhook is signed (webhook-signature), verify that instead.',
    };
  }
  const host = hostOf(url);
  if (net.isIP(host) !== 0 && !isAllowedHost(host, cfg.allowedHosts)) {
    const range = refusedRange(host);
    if (range) {
      return {
        reason: 'WEBHOOK_ADDRESS_REFUSED',
        message: `The address ${host} is not public (${range}); webhooks go to public addresses only unless the operator lists the host in WEBHOOK_ALLOWED_HOSTS.`,
      };
    }
  }
  return url;
}

/**
 * {@link inspectUrl} for saving an endpoint.
 * @throws BadInputError with reason WEBHOOK_URL_INVALID, WEBHOOK_URL_NOT_HTTPS or
 *   WEBHOOK_ADDRESS_REFUSED.
 */
export function checkUrlForSave(raw: string, cfg: WebhooksConfig): URL {
  const r = inspectUrl(raw, cfg);
  if (r instanceof URL) return r;
  throw new BadInputError(r.message, r.reason);
}

/**
 * The agent one delivery connects through: a new one each time (no kept-alive socket outlives
 * its check). It refuses non-public addresses at lookup time unless the host is allow-listed.
 */
export function agentFor(url: URL, cfg: WebhooksConfig): Agent {
  const allowPrivateIPAddress = isAllowedHost(hostOf(url), cfg.allowedHosts);
  const options = { keepAlive: false, allowPrivateIPAddress };
  return url.protocol === 'https:'
    ? new RequestFilteringHttpsAgent(options)
    : new RequestFilteringHttpAgent(options);
}

/**
 * Turns request-filtering-agent's refusal ("DNS lookup 127.0.0.1(family:4, host:localhost) is
 * not allowed. …") into a sentence for the delivery log, or undefined for other errors.
 */
export function describeRefusal(err: Error): string | undefined {
  const m = /^DNS lookup (\S+?)\(family:[^,]*, host:([^)]*)\) is not allowed/.exec(err.message);
  if (!m) return undefined;
  const [, address, host] = m;
  const range = refusedRange(address) ?? 'refused';
  const of = host && host !== 'undefined' ? ` of ${host}` : '';
  return `address ${address}${of} is refused (${range}): webhooks go to public addresses only (WEBHOOK_ALLOWED_HOSTS lists exceptions)`;
}

/**
 * SSRF rules: URL checks when saving, and the connection-time refusal of request-filtering-agent
 * against a real local HTTP server (a refused attempt opens no connection to it).
 */
import { loadConfig } from '../../../src/config/config.js';
import { inspectUrl, isAllowedHost, refusedRange } from '../../../src/webhooks/ssrf.js';
import { sendAttempt } from '../../../src/webhooks/sender.js';
import { WebhookAttemptOutcome } from '../../../src/webhooks/types.js';
import { startReceiver, type Receiver } from '../../helpers/webhook-receiver.js';

const cfg = (env: Record<string, string> = {}) => loadConfig({ NODE_ENV: 'test', ...env }).webhooks;

test('non-public addresses, IPv6 and IPv4-mapped IPv6 included, are refused; public unicast is not', () => {
  for (const [ip, range] of [
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['169.254.169.254', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['10.0.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['172.16.0.1', 'private'],
    ['fd00::1', 'uniqueLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['::ffff:127.0.0.1', 'ipv4Mapped'],
    ['::ffff:169.254.169.254', 'ipv4Mapped'],
    ['224.0.0.1', 'multicast'],
  ]) {
    expect([ip, refusedRange(ip!)]).toEqual([ip, range]);
  }
  expect(refusedRange('93.184.215.14')).toBeUndefined();
  expect(refusedRange('2a00:1450:4001:82b::200e')).toBeUndefined();
});

test('URLs: https only unless WEBHOOK_ALLOW_HTTP; no credentials; IP literals checked when saved; the allowlist exempts its hosts', () => {
  const strict = cfg();
  expect(inspectUrl('https://hooks.example.com/kazru', strict)).toBeInstanceOf(URL);
  expect(inspectUrl('http://hooks.example.com/kazru', strict)).toMatchObject({
    reason: 'WEBHOOK_URL_NOT_HTTPS',
  });
  expect(inspectUrl('ftp://hooks.example.com/', strict)).toMatchObject({
    reason: 'WEBHOOK_URL_NOT_HTTPS',
  });
  expect(inspectUrl('not a url', strict)).toMatchObject({ reason: 'WEBHOOK_URL_INVALID' });
  expect(inspectUrl('https://a:b@hooks.example.com/', strict)).toMatchObject({
    reason: 'WEBHOOK_URL_INVALID',
  });
  expect(inspectUrl('https://169.254.169.254/', strict)).toMatchObject({
    reason: 'WEBHOOK_ADDRESS_REFUSED',
  });
  expect(inspectUrl('https://[::ffff:7f00:1]/', strict)).toMatchObject({
    reason: 'WEBHOOK_ADDRESS_REFUSED',
  });
  expect(
    inspectUrl('http://hooks.example.com/', cfg({ WEBHOOK_ALLOW_HTTP: 'true' })),
  ).toBeInstanceOf(URL);
  const allow = cfg({ WEBHOOK_ALLOWED_HOSTS: '10.0.0.5, *.corp.internal' });
  expect(inspectUrl('https://10.0.0.5/', allow)).toBeInstanceOf(URL);
  expect(isAllowedHost('hooks.corp.internal', allow.allowedHosts)).toBe(true);
  expect(isAllowedHost('corp.internal.evil.com', allow.allowedHosts)).toBe(false);
  expect(() => cfg({ WEBHOOK_ALLOWED_HOSTS: 'bad host!' })).toThrow(/WEBHOOK_ALLOWED_HOSTS/);
});

describe('at connection time', () => {
  let rx: Receiver;
  beforeAll(async () => (rx = await startReceiver()));
  afterAll(async () => rx.close());

  test('a name resolving to 127.0.0.1 is refused in the lookup, before any connection; listed in WEBHOOK_ALLOWED_HOSTS it goes through', async () => {
    const before = rx.connections;
    const c = cfg({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_TIMEOUT_MS: '2000' });
    const r = await sendAttempt(`http://localhost:${rx.port}/x`, '{}', {}, c);
    expect(r.outcome).toBe(WebhookAttemptOutcome.ADDRESS_REFUSED);
    expect(r.error).toMatch(/(127\.0\.0\.1|::1) of localhost is refused \(loopback\)/);
    expect(rx.connections).toBe(before);
    const ok = await sendAttempt(
      `http://localhost:${rx.port}/x`,
      '{}',
      {},
      cfg({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOWED_HOSTS: 'localhost' }),
    );
    expect([ok.outcome, ok.statusCode]).toEqual([WebhookAttemptOutcome.SUCCESS, 200]);
    expect(rx.connections).toBe(before + 1);
  });

  test('an http URL saved earlier is refused at delivery once http is no longer allowed', async () => {
    const r = await sendAttempt(
      rx.url('/x'),
      '{}',
      {},
      cfg({ WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' }),
    );
    expect(r.outcome).toBe(WebhookAttemptOutcome.URL_REFUSED);
  });
});

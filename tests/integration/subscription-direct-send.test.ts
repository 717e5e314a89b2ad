/**
 * Direct sends of shared subscription results (`src/graphql/direct-send.ts`, used by
 * `src/graphql/shared-subscribe.ts`), over the real api, Redis pub/sub and WebSockets, with
 * clients speaking graphql-transport-ws on plain `ws` sockets so the exact bytes are visible:
 * the messages are the bytes graphql-ws sends, the first (graphql-ws's) comes before any direct
 * one, unsubscribing stops them, results with errors still go through graphql-ws's masking, and
 * a client that stops reading does not make the api queue without bound.
 */
import { buildSchema, execute, parse } from 'graphql';
import { stringifyMessage, MessageType } from 'graphql-ws';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { JobStatus } from '../../src/domain.js';
import { createJobEvents, type JobEvents } from '../../src/jobs/events.js';
import { DIRECT_HIGH_WATER_BYTES, nextMessage } from '../../src/graphql/direct-send.js';
import { startTestApp, TEST_REDIS_URL, type TestApp } from '../helpers/harness.js';
import { seedCompletedJob, setJobState } from '../helpers/long-transcript.js';
import { sleep, waitFor } from '../helpers/processes.js';

const QUERY = `subscription($id: ID!) { jobProgress(id: $id) { jobId status progress message job { id status progress } } }`;

let t: TestApp;
let events: JobEvents;
let redis: Redis;
let jobId: string;

beforeAll(async () => {
  t = await startTestApp({ ROLES: 'api' });
  const em = t.app.resources.orm.em.fork();
  ({ jobId } = await seedCompletedJob(em, 60));
  await setJobState(em, jobId, JobStatus.TRANSCRIBING, 10);
  events = createJobEvents(TEST_REDIS_URL);
  redis = new Redis(TEST_REDIS_URL);
});

afterAll(async () => {
  redis?.disconnect();
  await events?.close();
  await t?.close();
});

/** A graphql-transport-ws client on a plain socket, keeping every message as received. */
interface RawClient {
  ws: WebSocket;
  messages: { text: string; binary: boolean }[];
  /** Parsed `next` messages of subscription `id`. */
  nexts(id: string): any[];
  subscribe(id: string, query?: string): void;
  complete(id: string): void;
}

async function connect(): Promise<RawClient> {
  const ws = new WebSocket(t.wsUrl, 'graphql-transport-ws');
  const messages: RawClient['messages'] = [];
  ws.on('message', (data: Buffer, binary: boolean) =>
    messages.push({ text: String(data), binary }),
  );
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send(JSON.stringify({ type: 'connection_init', payload: {} }));
  await waitFor('connection_ack', () => messages.some((m) => m.text.includes('connection_ack')));
  return {
    ws,
    messages,
    nexts: (id) =>
      messages.map((m) => JSON.parse(m.text)).filter((m) => m.type === 'next' && m.id === id),
    subscribe: (id, query = QUERY) =>
      ws.send(
        JSON.stringify({ id, type: 'subscribe', payload: { query, variables: { id: jobId } } }),
      ),
    complete: (id) => ws.send(JSON.stringify({ id, type: 'complete' })),
  };
}

const progressOf = (m: any) => m.payload.data.jobProgress.progress as number;

async function directMessages(): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  return Number(/^kazru_graphql_ws_direct_messages_total (\d+)/m.exec(text)?.[1] ?? NaN);
}

const publish = (progress: number, message: string | null = null) =>
  events.publishProgress({ jobId, status: JobStatus.TRANSCRIBING, progress, message });

test('a direct message is byte for byte what graphql-ws sends (ids and text needing escapes)', async () => {
  const schema = buildSchema(`type Query { text: String, n: Int, list: [String] }`);
  const result = await execute({
    schema,
    document: parse('{ text n list }'),
    rootValue: { text: 'Сәлем "әлем"\n\u2028 ✓ </script>', n: 7, list: ['қ', null] },
  });
  for (const id of ['1', 'a"b\\c', 'ид-ү', '0f8fad5b-d9cb-469f-a165-70867728950e']) {
    const graphqlWs = stringifyMessage({ id, type: MessageType.Next, payload: { ...result } });
    expect(nextMessage({ socket: null as never, id }, result).toString('utf8')).toBe(graphqlWs);
  }
});

test('over a socket: the same state arrives as the same bytes from graphql-ws and directly, as text frames', async () => {
  await setJobState(t.app.resources.orm.em.fork(), jobId, JobStatus.TRANSCRIBING, 10);
  const c = await connect();
  const id = 'ид "1"';
  c.subscribe(id);
  await waitFor('first state', () => c.nexts(id).length === 1);
  const before = await directMessages();
  publish(10); // the state it has just been sent, as a live event
  await waitFor('the event', () => c.nexts(id).length === 2);
  expect(await directMessages()).toBe(before + 1);
  const [first, second] = c.messages.filter((m) => m.text.includes('"next"'));
  expect(second.text).toBe(first.text);
  expect([first.binary, second.binary]).toEqual([false, false]);
  c.ws.close();
});

test('each subscriber gets its own state first, then events in order, with events streaming while they subscribe', async () => {
  await setJobState(t.app.resources.orm.em.fork(), jobId, JobStatus.TRANSCRIBING, 20);
  const clients = await Promise.all(Array.from({ length: 20 }, () => connect()));
  let progress = 20;
  const streaming = (async () => {
    while (progress < 60) {
      publish(++progress);
      await sleep(2);
    }
  })();
  clients.forEach((c, i) => c.subscribe(String(i)));
  await streaming;
  await waitFor('the last event everywhere', () =>
    clients.every(
      (c, i) => c.nexts(String(i)).at(-1) && progressOf(c.nexts(String(i)).at(-1)) === 60,
    ),
  );
  for (const [i, c] of clients.entries()) {
    const seen = c.nexts(String(i)).map(progressOf);
    // The first is the state at subscribe time (20, the job row); every later one is newer.
    expect(seen[0]).toBe(20);
    for (let k = 1; k < seen.length; k++) expect(seen[k]).toBeGreaterThan(seen[k - 1]);
    c.ws.close();
  }
});

test('completing one subscription mid-stream stops its direct sends and frees it; the socket’s other one goes on', async () => {
  await setJobState(t.app.resources.orm.em.fork(), jobId, JobStatus.TRANSCRIBING, 0);
  const c = await connect();
  c.subscribe('a');
  c.subscribe('b');
  await waitFor('both first states', () => c.nexts('a').length === 1 && c.nexts('b').length === 1);
  for (let p = 1; p <= 10; p++) publish(p);
  await waitFor('10 on a', () => progressOf(c.nexts('a').at(-1)) === 10);
  c.complete('a');
  for (let p = 11; p <= 30; p++) publish(p);
  await waitFor('30 on b', () => progressOf(c.nexts('b').at(-1)) === 30);
  expect(progressOf(c.nexts('a').at(-1))).toBe(10);
  c.complete('b');
  // Both feeds ended: the api's Redis subscription to the job's channel is gone.
  const channel = `job-progress:${jobId}`;
  await waitFor('channel unsubscribed', async () => {
    const [, n] = (await redis.pubsub('NUMSUB', channel)) as [string, number];
    return n === 0;
  });
  c.ws.close();
});

test('a result with errors is masked by graphql-ws as before, in order, and direct sends resume after it', async () => {
  const em = t.app.resources.orm.em.fork();
  await setJobState(em, jobId, JobStatus.TRANSCRIBING, 0);
  await t.createTenantKey('elsewhere');
  const c = await connect();
  c.subscribe('e');
  await waitFor('first state', () => c.nexts('e').length === 1);
  publish(1);
  await waitFor('1', () => c.nexts('e').length === 2);
  // The job moves to another tenant: `job` is not found for this caller.
  const move = (tenant: string) =>
    em.getConnection().execute(`update jobs set tenant_id = ? where id = ?`, [tenant, jobId]);
  await move('elsewhere');
  publish(2);
  await waitFor('2', () => c.nexts('e').length === 3);
  await move('default');
  const before = await directMessages();
  publish(3);
  await waitFor('3', () => c.nexts('e').length === 4);
  expect(await directMessages()).toBe(before + 1);
  const [, one, two, three] = c.nexts('e');
  expect(one.payload.errors).toBeUndefined();
  expect(two.payload.data).toBeNull();
  expect(two.payload.errors).toEqual([
    expect.objectContaining({ extensions: { code: 'NOT_FOUND' }, path: ['jobProgress', 'job'] }),
  ]);
  expect(JSON.stringify(two.payload.errors)).not.toMatch(/stack|at .*\.js/);
  expect(progressOf(three)).toBe(3);
  c.ws.close();
});

test('a client that stops reading: the api queues a bounded amount for it (not the ~23 MB published), then it gets the latest', async () => {
  await setJobState(t.app.resources.orm.em.fork(), jobId, JobStatus.TRANSCRIBING, 10);
  const slow = await connect();
  const reader = await connect();
  slow.subscribe('s');
  reader.subscribe('r');
  await waitFor(
    'first states',
    () => slow.nexts('s').length === 1 && reader.nexts('r').length === 1,
  );
  slow.ws.pause();
  // 90 events of ~256 KiB: ~23 MB, far more than the kernel's socket buffers hold.
  const note = 'ж'.repeat(128 * 1024);
  const messageBytes = Buffer.byteLength(note) + 200;
  let queuedMax = 0;
  const sample = setInterval(() => {
    for (const s of t.app.api!.wsServer.clients) queuedMax = Math.max(queuedMax, s.bufferedAmount);
  }, 1);
  try {
    for (let p = 11; p <= 100; p++) {
      publish(p, note);
      await sleep(5);
    }
    await waitFor('100 at the reader', () => progressOf(reader.nexts('r').at(-1)) === 100, 30_000);
    await sleep(300);
  } finally {
    clearInterval(sample);
  }
  console.log(`most bytes queued in the api for one socket: ${queuedMax}`);
  // The kernel buffers filled up (the api had to queue), and the queue stayed bounded: the
  // high-water mark plus the message sent under it and the one whose write is awaited.
  expect(queuedMax).toBeGreaterThan(0);
  expect(queuedMax).toBeLessThanOrEqual(DIRECT_HIGH_WATER_BYTES + 2 * messageBytes);
  slow.ws.resume();
  await waitFor('100 at the slow client', () => progressOf(slow.nexts('s').at(-1)) === 100, 30_000);
  const seen = slow.nexts('s').map(progressOf);
  // Updates it could not take were replaced by newer ones (ProgressFeed), in order.
  expect(seen.length).toBeLessThan(91);
  for (let k = 1; k < seen.length; k++) expect(seen[k]).toBeGreaterThan(seen[k - 1]);
  slow.ws.close();
  reader.ws.close();
});

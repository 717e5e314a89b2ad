/**
 * Live progress to many subscribers of one job (real api, Redis pub/sub, graphql-ws over real
 * WebSockets): every subscriber gets every event, in order, with the job as it is; and the
 * database work per event does not grow with the number of subscribers — subscribers selecting
 * `job { … }` share one read per event, and subscribing in a burst is batched. Timings and
 * memory are measured in `bench/` (`npm run bench -- --only=subscriptions`).
 */
import { JobStatus } from '../../src/domain.js';
import { createJobEvents, type JobEvents } from '../../src/jobs/events.js';
import {
  startTestApp,
  TEST_REDIS_URL,
  type Subscription,
  type TestApp,
} from '../helpers/harness.js';
import { seedCompletedJob, setJobState } from '../helpers/long-transcript.js';
import { waitFor } from '../helpers/processes.js';
import { recordSql, type SqlRecorder } from '../helpers/sql-recorder.js';

const SUBSCRIBERS = 60;
const QUERY = `subscription($id: ID!) { jobProgress(id: $id) { jobId status progress job { id status progress } } }`;

let t: TestApp;
let rec: SqlRecorder;
let events: JobEvents;
let jobId: string;

beforeAll(async () => {
  t = await startTestApp({ ROLES: 'api' });
  const em = t.app.resources.orm.em.fork();
  ({ jobId } = await seedCompletedJob(em, 60));
  await setJobState(em, jobId, JobStatus.TRANSCRIBING, 40);
  events = createJobEvents(TEST_REDIS_URL);
  await events.ready(); // the events below are published once each: none may be dropped
  rec = recordSql(t.app.resources.orm);
});

afterAll(async () => {
  rec?.stop();
  await events?.close();
  await t?.close();
});

const setProgress = (progress: number, status = JobStatus.TRANSCRIBING) =>
  setJobState(t.app.resources.orm.em.fork(), jobId, status, progress);

test('one read per event for all subscribers, every event delivered to each, then completion', async () => {
  rec.take();
  const subs: Subscription[] = [];
  for (let i = 0; i < SUBSCRIBERS; i++) subs.push(t.subscribe(QUERY, { id: jobId }));
  await waitFor('every first event', () => subs.every((s) => s.events.length === 1), 20_000, 20);
  const subscribeStatements = rec.take().length;
  // Each subscription reads the job's state twice (before and after it starts listening) and
  // its first event reads the job; reads that arrive in the same turn are batched.
  console.log(`${SUBSCRIBERS} subscriptions: ${subscribeStatements} statements`);
  expect(subscribeStatements).toBeLessThanOrEqual(3 * SUBSCRIBERS);
  expect(subs[0].events[0].data.jobProgress).toMatchObject({
    jobId,
    status: 'TRANSCRIBING',
    progress: 40,
    job: { id: jobId, status: 'TRANSCRIBING', progress: 40 },
  });

  const perEvent: number[] = [];
  for (const progress of [50, 60, 70]) {
    await setProgress(progress);
    rec.take();
    events.publishProgress({ jobId, status: JobStatus.TRANSCRIBING, progress });
    await waitFor(`event ${progress} everywhere`, () =>
      subs.every((s) => s.events.at(-1)?.data?.jobProgress.progress === progress),
    );
    perEvent.push(rec.take().length);
  }
  console.log(`statements per event with ${SUBSCRIBERS} subscribers: ${perEvent.join(', ')}`);
  for (const n of perEvent) expect(n).toBeLessThanOrEqual(1);
  for (const s of subs) {
    expect(s.events.map((e) => e.data.jobProgress.progress)).toEqual([40, 50, 60, 70]);
    expect(s.events.at(-1).data.jobProgress.job.progress).toBe(70);
  }

  await setProgress(100, JobStatus.COMPLETED);
  events.publishProgress({ jobId, status: JobStatus.COMPLETED, progress: 100 });
  await Promise.all(subs.map((s) => s.done));
  for (const s of subs) {
    expect(s.errors).toEqual([]);
    expect(s.events.at(-1).data.jobProgress).toMatchObject({
      status: 'COMPLETED',
      job: { status: 'COMPLETED' },
    });
  }
});

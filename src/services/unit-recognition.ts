/**
 * Recognition on a synchronous engine (`capabilities.mode === 'synchronous'`, the
 * OpenAI-compatible Whisper servers): the recording is cut at pauses into units that fit the
 * engine's declared request limits, one channel each; units without speech are never sent.
 *
 * Resumable: the plan is written to `recognition_units` before the first request, and each
 * unit's raw answer is saved there the moment it arrives, before it is parsed. A later attempt
 * (after a crash, `kill -9`, a restart or a retry) loads the plan and sends only the units that
 * have no answer yet, so finished audio is never paid for twice.
 */
import type { MikroORM } from '@mikro-orm/core';
import { RecognitionUnit, type Job } from '../db/entities/index.js';
import { Diarization, JobStatus } from '../domain.js';
import { JobError } from '../errors.js';
import { planChunks, splitChunk, type Chunk } from '../media/chunk-plan.js';
import { cutChunk, maxBytesPerSecond } from '../media/cut.js';
import { detectSpeech, type SpeechDetection } from '../media/silence.js';
import type { Scratch } from '../storage/storage.js';
import { UnitTooLargeError, type SynchronousEngine, type UnitRequest } from '../stt/engine.js';
import type { Utterance } from '../stt/types.js';
import type { RecognitionRun } from './operation-recognition.js';
import { PROGRESS } from './progress.js';
import { whileSttAvailable } from './stt-availability.js';

/** What {@link recognizeByUnits} needs besides the job. */
export interface UnitRun extends RecognitionRun {
  orm: MikroORM;
  /** The job's scratch directory: unit pieces are cut there. */
  scratch: Scratch;
  engine: SynchronousEngine;
}

/**
 * Plans (or loads the saved plan of) the job's units, sends those without an answer with the
 * engine's declared concurrency, and parses every saved answer.
 * @returns utterances sorted by start time, times in milliseconds on the recording, `channelTag`
 *   the unit's channel (or the engine's speaker label), `finalIndex` numbered per tag.
 * @throws JobError from the engine (STT_*), AUDIO_TOO_LARGE when a unit cannot be split further;
 *   the abort reason when `signal` aborts (finished units stay saved).
 */
export async function recognizeByUnits(job: Job, run: UnitRun): Promise<Utterance[]> {
  const { engine, progress } = run;
  let units = await loadPlan(run.orm, job.id);
  if (units.length === 0) {
    await progress.report(PROGRESS.transcribeStart, JobStatus.TRANSCRIBING, 'Finding speech');
    units = await writePlan(job, run);
    run.log.info({ units: units.length, engine: engine.info.id }, 'recognition plan saved');
  } else {
    const left = units.filter((u) => !u.completedAt).length;
    run.log.info({ units: units.length, left }, 'resuming recognition plan');
  }
  await progress.report(
    PROGRESS.transcribeStart,
    JobStatus.TRANSCRIBING,
    `Sending audio to ${engine.info.name}`,
  );
  await sendPending(job, units, run);
  return parseAll(job, run);
}

/** The saved plan, in plan order; raw answers are not loaded. */
async function loadPlan(orm: MikroORM, jobId: string): Promise<RecognitionUnit[]> {
  return orm.em.fork().find(RecognitionUnit, { job: jobId }, { orderBy: { index: 'asc' } });
}

/** Detects speech per channel, plans chunks within the engine's limits and saves the plan. */
async function writePlan(job: Job, run: UnitRun): Promise<RecognitionUnit[]> {
  const caps = run.engine.capabilities;
  const channels = job.diarizationApplied === Diarization.CHANNELS ? [0, 1] : [undefined];
  const bytesPerSecond = maxBytesPerSecond(caps.audioFormats[0]);
  const em = run.orm.em.fork();
  const units: RecognitionUnit[] = [];
  for (const channel of channels) {
    const detected = await detectSpeech(run.audioPath, { channel, signal: run.signal });
    const chunks = planChunks(detected.speech, {
      shortSilences: detected.shortSilences,
      durationSeconds: detected.durationSeconds,
      maxChunkSeconds: caps.maxRequestSeconds,
      maxChunkBytes: caps.maxRequestBytes,
      bytesPerSecond,
      // Speaker labels are only consistent within one request: keep those requests long.
      ...(job.diarizationApplied === Diarization.SPEAKER_LABELING
        ? { splitPauseSeconds: caps.maxRequestSeconds }
        : {}),
    });
    for (const c of chunks) {
      units.push(
        em.create(RecognitionUnit, {
          id: `${job.id}:${units.length}`,
          job: job.id,
          index: units.length,
          channel: channel ?? 0,
          startSeconds: c.startSeconds,
          endSeconds: c.endSeconds,
          engine: run.engine.info.id,
        }),
      );
    }
  }
  await em.flush(); // one transaction: the plan is there whole or not at all
  return units;
}

/** Sends every unit without an answer, at most `capabilities.concurrency` at once. */
async function sendPending(job: Job, units: RecognitionUnit[], run: UnitRun): Promise<void> {
  const total = units.reduce((s, u) => s + u.endSeconds - u.startSeconds, 0) || 1;
  let done = units
    .filter((u) => u.completedAt)
    .reduce((s, u) => s + u.endSeconds - u.startSeconds, 0);
  const queue = units.filter((u) => !u.completedAt);
  const speech = new Map<number, Promise<SpeechDetection>>();
  const report = () => {
    const pct =
      PROGRESS.transcribeStart +
      (done / total) * (PROGRESS.transcribeEnd - PROGRESS.transcribeStart);
    void run.progress.report(pct, undefined, 'Recognising speech').catch(() => undefined);
  };
  report();
  const stop = new AbortController();
  const signal = AbortSignal.any([run.signal, stop.signal]);
  // Each worker cuts the next unit's audio while its current one is with the engine, so ffmpeg's
  // start-up and seek are not added to every request's latency.
  const cuts = new Map<RecognitionUnit, Promise<CutUnit>>();
  const cut = (unit: RecognitionUnit) => {
    let p = cuts.get(unit);
    if (!p) {
      p = cutUnit(job, unit, { ...run, signal });
      p.catch(() => undefined); // judged when the unit is sent
      cuts.set(unit, p);
    }
    return p;
  };
  const worker = async () => {
    for (let unit = queue.shift(); unit; unit = queue.shift()) {
      if (signal.aborted) return;
      const audio = cut(unit);
      if (queue[0]) void cut(queue[0]); // ahead: awaited when that unit is sent
      const replaced = await sendUnit(job, unit, await audio, { ...run, signal }, speech).finally(
        () => cuts.delete(unit),
      );
      if (replaced) {
        // Split after a 413: the halves join the queue (and the plan) in its place.
        const i = units.indexOf(unit);
        units.splice(i, 1, ...replaced);
        queue.unshift(...replaced);
        continue;
      }
      done += unit.endSeconds - unit.startSeconds;
      report();
    }
  };
  const workers = Array.from({ length: Math.max(1, run.engine.capabilities.concurrency) }, () =>
    worker().catch((err: unknown) => {
      stop.abort(err);
      throw err;
    }),
  );
  const results = await Promise.allSettled(workers);
  // Pieces cut ahead for units that were not sent (a failure or a cancel stopped the workers).
  for (const p of cuts.values()) {
    await p.then((c) => run.scratch.remove(c.name)).catch(() => undefined);
  }
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (run.signal.aborted) throw run.signal.reason;
  if (failed) throw failed.reason;
}

/** A unit's audio, cut into the job's scratch directory as `name`. */
interface CutUnit {
  name: string;
  audioPath: string;
  format: UnitRequest['format'];
  /** Bytes. */
  bytes: number;
}

/** Cuts one unit's audio (its channel, or the mono mix) in the engine's first format. */
async function cutUnit(job: Job, unit: RecognitionUnit, run: UnitRun): Promise<CutUnit> {
  const format = run.engine.capabilities.audioFormats[0];
  const name = `unit-${unit.index}.${format === 'flac' ? 'flac' : 'ogg'}`;
  const audioPath = run.scratch.path(name);
  const { bytes } = await cutChunk(run.audioPath, {
    startSeconds: unit.startSeconds,
    endSeconds: unit.endSeconds,
    channel: job.diarizationApplied === Diarization.CHANNELS ? unit.channel : undefined,
    output: audioPath,
    format,
    signal: run.signal,
  });
  return { name, audioPath, format, bytes };
}

/**
 * Sends one unit's cut audio and saves the answer on its row; the piece is removed afterwards.
 * When the engine refuses the size, replaces the unit by two halves split at a pause and returns
 * them (unsent).
 */
async function sendUnit(
  job: Job,
  unit: RecognitionUnit,
  cut: CutUnit,
  run: UnitRun,
  speechCache: Map<number, Promise<SpeechDetection>>,
): Promise<RecognitionUnit[] | undefined> {
  const { engine, scratch } = run;
  try {
    const request = unitRequest(job, unit, {
      audioPath: cut.audioPath,
      format: cut.format,
      bytes: cut.bytes,
    });
    let answer: { raw: string; requests: number };
    try {
      answer = await whileSttAvailable(() => engine.recognizeUnit(request, run.signal), {
        engineName: engine.info.name,
        progress: run.progress,
        signal: run.signal,
        log: run.log,
        waited: run.outage,
      });
    } catch (err) {
      if (!(err instanceof UnitTooLargeError)) throw err;
      return await splitUnit(job, unit, run, speechCache, cut.bytes);
    }
    // Billed by the engine's own rule for every request that carried the unit's audio (a retry
    // in another language is a request too); recorded with the answer, so a resumed job never
    // counts a saved unit again.
    const seconds =
      engine.capabilities.billing.billedSeconds({
        durationSeconds: unit.endSeconds - unit.startSeconds,
        channels: 1,
      }) * answer.requests;
    await run.orm.em.fork().nativeUpdate(
      RecognitionUnit,
      { id: unit.id },
      {
        rawResult: answer.raw,
        completedAt: new Date(),
        attempts: unit.attempts + answer.requests,
        billedSeconds: unit.billedSeconds + seconds,
      },
    );
    unit.completedAt = new Date();
    run.metrics?.billed(engine.info.id, 1, seconds);
    return undefined;
  } finally {
    await scratch.remove(cut.name).catch(() => undefined);
  }
}

/** Replaces `unit` by two halves split at its longest pause (in one transaction). */
async function splitUnit(
  job: Job,
  unit: RecognitionUnit,
  run: UnitRun,
  speechCache: Map<number, Promise<SpeechDetection>>,
  bytes: number,
): Promise<RecognitionUnit[]> {
  const channel = job.diarizationApplied === Diarization.CHANNELS ? unit.channel : undefined;
  const detection =
    speechCache.get(unit.channel) ?? detectSpeech(run.audioPath, { channel, signal: run.signal });
  speechCache.set(unit.channel, detection);
  const asChunk: Chunk = {
    index: unit.index,
    startSeconds: unit.startSeconds,
    endSeconds: unit.endSeconds,
    speechSeconds: unit.endSeconds - unit.startSeconds,
  };
  let halves: Chunk[];
  try {
    const d = await detection;
    halves = splitChunk(asChunk, d.speech, { shortSilences: d.shortSilences });
  } catch (err) {
    throw new JobError(
      'AUDIO_TOO_LARGE',
      `${run.engine.info.name} refused a ${Math.round(bytes / 1024)} KiB piece of audio as too large, and it cannot be split further. Raise the server's upload limit or lower OPENAI_STT_MAX_REQUEST_BYTES.`,
      false,
      { cause: err },
    );
  }
  const em = run.orm.em.fork();
  const last = await em.find(
    RecognitionUnit,
    { job: job.id },
    { orderBy: { index: 'desc' }, limit: 1 },
  );
  const next = (last[0]?.index ?? unit.index) + 1;
  const replaced = halves.map((h, i) =>
    em.create(RecognitionUnit, {
      id: `${job.id}:${next + i}`,
      job: job.id,
      index: next + i,
      channel: unit.channel,
      startSeconds: h.startSeconds,
      endSeconds: h.endSeconds,
      engine: unit.engine,
      attempts: unit.attempts + 1,
    }),
  );
  em.remove(em.getReference(RecognitionUnit, unit.id));
  await em.flush();
  run.log.info(
    { unit: unit.index, bytes, halves: replaced.map((u) => [u.startSeconds, u.endSeconds]) },
    'unit refused as too large; split in two',
  );
  return replaced;
}

/** The engine-facing description of a unit. */
function unitRequest(
  job: Job,
  unit: RecognitionUnit,
  audio: Pick<UnitRequest, 'audioPath' | 'format' | 'bytes'>,
): UnitRequest {
  return {
    index: unit.index,
    channel: unit.channel,
    startSeconds: unit.startSeconds,
    endSeconds: unit.endSeconds,
    ...audio,
    languages: job.options.languages,
    speakerLabeling: job.diarizationApplied === Diarization.SPEAKER_LABELING,
    profanityFilter: job.options.profanityFilter,
    textNormalization: job.options.textNormalization,
  };
}

/** Parses every saved answer and puts the utterances on the recording's time line. */
async function parseAll(job: Job, run: UnitRun): Promise<Utterance[]> {
  const em = run.orm.em.fork();
  const rows = await em.find(
    RecognitionUnit,
    { job: job.id },
    { populate: ['rawResult'], orderBy: { channel: 'asc', startSeconds: 'asc' } },
  );
  const utterances: Utterance[] = [];
  let dropped = 0;
  for (const row of rows) {
    if (row.rawResult == null) {
      throw new JobError('INTERNAL', `Unit ${row.index} has no saved answer.`, true);
    }
    const request = unitRequest(job, row, { audioPath: '', format: 'flac', bytes: 0 });
    const parsed = run.engine.parseUnit(row.rawResult, request);
    dropped += parsed.dropped.length;
    if (parsed.dropped.length > 0) {
      run.log.info({ unit: row.index, dropped: parsed.dropped }, 'non-speech segments dropped');
    }
    const offsetMs = Math.round(row.startSeconds * 1000);
    for (const u of parsed.utterances) {
      utterances.push({
        ...u,
        startMs: u.startMs + offsetMs,
        endMs: u.endMs + offsetMs,
        words: u.words.map((w) => ({
          ...w,
          startMs: w.startMs + offsetMs,
          endMs: w.endMs + offsetMs,
        })),
      });
    }
  }
  utterances.sort((a, b) => a.startMs - b.startMs || a.channelTag.localeCompare(b.channelTag));
  const perTag = new Map<string, number>();
  for (const u of utterances) {
    const n = perTag.get(u.channelTag) ?? 0;
    u.finalIndex = n;
    perTag.set(u.channelTag, n + 1);
  }
  run.log.info({ units: rows.length, utterances: utterances.length, dropped }, 'units parsed');
  return utterances;
}

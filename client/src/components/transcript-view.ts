/**
 * `<kazru-transcript>`: one job's transcript with its audio. Opening it fetches the job, its
 * speakers, the number of segments and only the first window of them, and shows that at once;
 * the list (`<kazru-segment-list>`) renders the rows in view and fetches further windows as it
 * scrolls. Clicking a segment (or Enter/Space) plays from its start; the segment being played is
 * found (its window loaded if need be), highlighted and kept in view. Speakers are renamed inline
 * (`<kazru-speakers>`), and the transcript downloads as TXT, SRT, VTT or JSON.
 */
import { css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import {
  ApiError,
  downloadExport,
  fetchJob,
  fetchSegments,
  followJob,
  type JobWithTranscript,
  type Segment,
  type TranscriptHead,
} from '../api.js';
import { formatClock } from '../format.js';
import { t } from '../i18n.js';
import { SegmentWindows, WINDOW_SIZE } from '../segment-window.js';
import { isTerminal } from './job-list.js';
import type { SegmentList, SegmentPlayEvent } from './segment-list.js';
import './segment-list.js';
import type { SpeakersChangedEvent } from './speaker-list.js';
import './speaker-list.js';
import { errorText, progressBar, sharedStyles, LocalizedElement } from './shared.js';

const EXPORT_FORMATS = ['txt', 'srt', 'vtt', 'json'] as const;

@customElement('kazru-transcript')
export class TranscriptView extends LocalizedElement {
  /** Id of the job to show. */
  @property() jobId = '';

  @state() private job: JobWithTranscript | null | undefined = undefined;
  /** The transcript's segments, window by window (set with the job once it has a transcript). */
  @state() private windows?: SegmentWindows<Segment>;
  @state() private loadError = '';
  @state() private active = -1;
  @state() private downloadError = '';
  @state() private audioError = false;
  @state() private retrying = false;

  @query('audio') private audio?: HTMLAudioElement;
  @query('kazru-segment-list') private list?: SegmentList;

  private stopFollow?: () => void;
  private retryTimer?: number;
  /** Bumped by every position lookup, so a slow one does not overrule a later one. */
  private lookups = 0;

  static override styles = [
    sharedStyles,
    css`
      .top {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: baseline;
        justify-content: space-between;
      }
      .back {
        margin: 0 0 0.5rem;
      }
      h2 {
        overflow-wrap: anywhere;
        min-width: 0;
      }
      audio {
        width: 100%;
        margin: 0.5rem 0 1rem;
      }
      .exports {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
        margin-bottom: 1rem;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopFollow?.();
    window.clearTimeout(this.retryTimer);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('jobId') && changed.get('jobId') !== undefined) {
      this.job = undefined;
      this.windows = undefined;
      this.active = -1;
      this.audioError = false;
      void this.load();
    }
  }

  private async load() {
    window.clearTimeout(this.retryTimer);
    this.stopFollow?.();
    const id = this.jobId;
    try {
      const job = await fetchJob(id, WINDOW_SIZE);
      if (id !== this.jobId) return;
      this.job = job;
      this.windows = job?.transcript ? this.windowsOf(id, job) : undefined;
      this.loadError = '';
      if (job && !isTerminal(job.status)) {
        // Not done yet: show progress and load the transcript when it ends.
        this.stopFollow = followJob(
          id,
          (e) => {
            if (this.job) this.job = { ...this.job, status: e.status, progress: e.progress };
          },
          () => void this.load(),
        );
      }
    } catch (err) {
      this.loadError = errorText(err);
      this.retrying = err instanceof ApiError && (err.code === 'NETWORK' || err.code === 'HTTP');
      if (this.retrying) this.retryTimer = window.setTimeout(() => void this.load(), 5000);
    }
  }

  /** The segment windows of a job's transcript, holding the first window it came with. */
  private windowsOf(jobId: string, job: JobWithTranscript): SegmentWindows<Segment> {
    const tr = job.transcript!;
    const windows = new SegmentWindows<Segment>(
      tr.segmentCount,
      (offset, limit) => fetchSegments(jobId, offset, limit),
      job.durationSeconds,
    );
    windows.seed(0, tr.segments);
    return windows;
  }

  // ---- playback -------------------------------------------------------------------------

  private seek(seg: Segment) {
    const audio = this.audio;
    if (!audio) return;
    this.lookups++;
    audio.currentTime = seg.start;
    this.active = seg.index;
    void audio.play().catch(() => {
      // Playback can be refused (no audio device, autoplay policy); the position is still set.
    });
  }

  /**
   * Highlights the segment under the playing position, loading its window when it is not
   * loaded; keeps it in view while playing and after a seek.
   */
  private onTime(seeked = false) {
    const audio = this.audio;
    const windows = this.windows;
    if (!audio || !windows) return;
    const now = audio.currentTime;
    const follow = seeked || !audio.paused;
    const lookup = ++this.lookups;
    const known = windows.locate(now);
    if (known !== undefined) {
      this.highlight(known, follow);
      return;
    }
    // After a failed fetch the list offers to retry; time updates (4 a second) do not.
    if (windows.error) return;
    windows.find(now).then(
      (index) => {
        if (lookup === this.lookups && windows === this.windows) this.highlight(index, follow);
      },
      () => {
        // The list says a window could not be loaded (and offers to retry).
      },
    );
  }

  private highlight(index: number, follow: boolean) {
    if (index === this.active) return;
    this.active = index;
    if (index >= 0 && follow) void this.updateComplete.then(() => this.list?.scrollToIndex(index));
  }

  private onSpeakersChanged(ev: SpeakersChangedEvent) {
    const job = this.job;
    if (!job?.transcript) return;
    this.job = { ...job, transcript: { ...job.transcript, speakers: ev.detail } };
  }

  private async download(format: string) {
    this.downloadError = '';
    try {
      await downloadExport(this.jobId, format);
    } catch (err) {
      this.downloadError = errorText(err);
    }
  }

  // ---- rendering ------------------------------------------------------------------------

  override render() {
    const back = html`<p class="back"><a href="#/">${t('back')}</a></p>`;
    if (this.loadError) {
      return html`<section class="card">
        ${back}
        <p class="error" role="alert">${this.loadError}</p>
        ${this.retrying ? html`<p class="muted">${t('retrying')}</p>` : nothing}
        <button @click=${() => void this.load()}>${t('retryNow')}</button>
      </section>`;
    }
    if (this.job === undefined) {
      return html`<section class="card">
        ${back}
        <p class="muted">${t('loading')}</p>
      </section>`;
    }
    if (this.job === null) {
      return html`<section class="card">
        ${back}
        <p class="error" role="alert" data-testid="not-found">${t('notFound')}</p>
      </section>`;
    }
    const job = this.job;
    const tr = job.transcript;
    return html`<section class="card" aria-labelledby="job-title">
      ${back}
      <div class="top">
        <h2 id="job-title">${job.filename}</h2>
        <span class="muted">
          ${t(`status_${job.status}`)}${
            job.durationSeconds != null ? html` · ${formatClock(job.durationSeconds)}` : nothing
          }
        </span>
      </div>
      ${
        job.status === 'FAILED' && job.errorMessage
          ? html`<p class="error">${job.errorMessage}</p>`
          : nothing
      }
      ${
        !tr && !isTerminal(job.status)
          ? html`<p>${t('notReady')}</p>
              ${progressBar(job.progress, t('jobProgress', { name: job.filename }))}`
          : nothing
      }
      ${tr ? this.renderTranscript(job, tr) : nothing}
    </section>`;
  }

  private renderTranscript(job: JobWithTranscript, tr: TranscriptHead) {
    return html`
      <audio
        controls
        preload="metadata"
        aria-label=${t('audioLabel')}
        src=${job.audioUrl ?? nothing}
        @timeupdate=${() => this.onTime()}
        @seeked=${() => this.onTime(true)}
        @pause=${() => this.onTime()}
        @error=${() => (this.audioError = true)}
        @loadedmetadata=${() => (this.audioError = false)}
      ></audio>
      ${this.audioError ? html`<p class="muted" role="status">${t('audioUnavailable')}</p>` : nothing}
      <kazru-speakers
        .jobId=${job.id}
        .speakers=${tr.speakers}
        @speakers-changed=${(e: SpeakersChangedEvent) => this.onSpeakersChanged(e)}
      ></kazru-speakers>
      <div class="exports" role="group" aria-label=${t('downloads')}>
        <span>${t('downloads')}</span>
        ${EXPORT_FORMATS.map(
          (f) =>
            html`<button
              data-export=${f}
              aria-label=${t('downloadAs', { format: f.toUpperCase() })}
              @click=${() => void this.download(f)}
            >
              ${f.toUpperCase()}
            </button>`,
        )}
      </div>
      ${
        this.downloadError ? html`<p class="error" role="alert">${this.downloadError}</p>` : nothing
      }
      <h3 class="visually-hidden">${t('transcript')}</h3>
      <kazru-segment-list
        .windows=${this.windows}
        .speakers=${tr.speakers}
        .active=${this.active}
        @segment-play=${(e: SegmentPlayEvent) => this.seek(e.detail)}
      ></kazru-segment-list>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kazru-transcript': TranscriptView;
  }
}

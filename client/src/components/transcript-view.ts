/**
 * `<kazru-transcript>`: one job's transcript with its audio. Opening it fetches the job, its
 * speakers, the number of segments and only the first window of them, and shows that at once;
 * the list (`<kazru-segment-list>`) renders the rows in view and fetches further windows as it
 * scrolls. Clicking a segment (or Enter/Space) plays from its start; the segment being played is
 * found (its window loaded if need be), highlighted and kept in view. Speakers are renamed inline
 * (`<kazru-speakers>`), and the transcript downloads in any export format, script and options
 * (`<kazru-export-panel>`).
 *
 * A completed transcript opens on a {@link Workbench} (issue 12): its rows edit in place (the
 * audio pauses while the user types and resumes on save), `<kazru-workbench-bar>` offers undo,
 * redo, find & replace and the history, Ctrl+Z / Ctrl+Shift+Z (Ctrl+Y) undo and redo outside
 * text fields, and other people's changes arrive live with a notice. `startAt` (a search hit)
 * plays from a time.
 */
import { css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import {
  ApiError,
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
import { Workbench } from '../workbench.js';
import type { TranscriptChange } from '../workbench-api.js';
import { isTerminal } from './job-list.js';
import type { SegmentList, SegmentPlayEvent } from './segment-list.js';
import './segment-list.js';
import type { PreviewSegment } from './export-panel.js';
import './export-panel.js';
import type { SpeakersChangedEvent } from './speaker-list.js';
import './speaker-list.js';
import { announce, errorText, progressBar, sharedStyles, LocalizedElement } from './shared.js';
import { redoWith, undoWith } from './workbench-bar.js';
import './workbench-bar.js';

@customElement('kazru-transcript')
export class TranscriptView extends LocalizedElement {
  /** Id of the job to show. */
  @property() jobId = '';
  /** Where to play from once open (a search hit); a new object each time, so it re-plays. */
  @property({ attribute: false }) startAt: { seconds: number } | null = null;

  @state() private job: JobWithTranscript | null | undefined = undefined;
  /** The transcript's segments, window by window (set with the job once it has a transcript). */
  @state() private windows?: SegmentWindows<Segment>;
  @state() private loadError = '';
  @state() private active = -1;
  @state() private audioError = false;
  @state() private retrying = false;
  /** The open transcript's workbench (once COMPLETED). */
  @state() private wb?: Workbench;
  /** Bumped when the workbench's state changed. */
  @state() private tick = 0;
  /** Playback position in seconds. */
  @state() private playhead = 0;
  /** Someone else's latest change, told once. */
  @state() private notice = '';
  @state() private wbError = '';
  /** The audio paused because the user started typing: it resumes when the editor closes. */
  private resumeAfterEdit = false;
  /** A start time that came before the audio element. */
  private pendingStart: number | null = null;

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
      .notice {
        border: 2px solid #1d4ed8;
        background: #eff6ff;
        border-radius: 8px;
        padding: 0.4rem 0.6rem;
        margin: 0 0 0.75rem;
      }
      p.error {
        margin: 0 0 0.75rem;
      }
      .dismiss {
        min-height: 1.75rem;
        padding: 0 0.5rem;
        margin-left: 0.5rem;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('keydown', this.onShortcut);
    void this.load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('keydown', this.onShortcut);
    this.stopFollow?.();
    this.wb?.stop();
    window.clearTimeout(this.retryTimer);
  }

  /** Ctrl+Z undoes, Ctrl+Shift+Z and Ctrl+Y redo: outside text fields (they keep their own). */
  private readonly onShortcut = (e: KeyboardEvent) => {
    const wb = this.wb;
    const key = e.key.toLowerCase();
    if (!wb || !(e.ctrlKey || e.metaKey) || e.altKey || (key !== 'z' && key !== 'y')) return;
    const target = e.composedPath()[0];
    if (target instanceof HTMLElement && target.closest('input, textarea, select')) return;
    if (target instanceof HTMLElement && target.isContentEditable) return;
    e.preventDefault();
    void (key === 'y' || e.shiftKey ? redoWith(wb, this) : undoWith(wb, this));
  };

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('jobId') && changed.get('jobId') !== undefined) {
      this.job = undefined;
      this.windows = undefined;
      this.wb?.stop();
      this.wb = undefined;
      this.notice = '';
      this.wbError = '';
      this.active = -1;
      this.audioError = false;
      void this.load();
    }
    if (changed.has('startAt') && this.startAt) this.pendingStart = this.startAt.seconds;
  }

  protected override updated(): void {
    if (this.pendingStart !== null && this.audio && this.windows) {
      const at = this.pendingStart;
      this.pendingStart = null;
      this.playFrom(at);
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
      this.wb?.stop();
      this.wb = job?.transcript && this.windows ? this.workbenchOf(job, this.windows) : undefined;
      this.wb?.start();
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

  /** The workbench of a completed transcript, telling this view what happens. */
  private workbenchOf(job: JobWithTranscript, windows: SegmentWindows<Segment>): Workbench {
    const tr = job.transcript!;
    return new Workbench(job.id, tr.id, windows, tr.version, tr.speakers, {
      changed: () => {
        this.tick++;
        const wb = this.wb;
        const now = this.job?.transcript;
        if (wb && now && now.speakers !== wb.speakers) {
          this.job = { ...this.job!, transcript: { ...now, speakers: wb.speakers } };
        }
      },
      viewRange: () => this.list?.renderedRange() ?? [0, 0],
      otherChange: (e: TranscriptChange) => {
        this.notice = t('changedByOther', {
          author: e.revision.author ?? t('authorUnknown'),
          number: e.revision.number,
          summary: e.revision.summary,
        });
        announce(this, this.notice);
      },
      failed: (err: unknown, conflict: boolean) => {
        this.wbError = conflict ? t('conflictRetry') : errorText(err);
      },
    });
  }

  // ---- playback -------------------------------------------------------------------------

  private seek(seg: Segment) {
    this.lookups++;
    this.active = seg.index;
    this.playFrom(seg.start);
  }

  /** Plays from `seconds`; the segment there is found and highlighted by the time update. */
  private playFrom(seconds: number) {
    const audio = this.audio;
    if (!audio) return;
    audio.currentTime = seconds;
    this.playhead = seconds;
    void audio.play().catch(() => {
      // Playback can be refused (no audio device, autoplay policy); the position is still set.
    });
  }

  /** The user typed in an editor: the audio pauses, to resume when the editor closes. */
  private onTyping() {
    const audio = this.audio;
    this.wbError = '';
    if (audio && !audio.paused) {
      audio.pause();
      this.resumeAfterEdit = true;
    }
  }

  private onEditClosed(saved: boolean) {
    if (saved) announce(this, t('saved'));
    if (!this.resumeAfterEdit) return;
    this.resumeAfterEdit = false;
    void this.audio?.play().catch(() => undefined);
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
    this.playhead = now;
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
    if (this.wb) this.wb.speakers = ev.detail;
  }

  /** The first loaded segments with their speakers' labels, for the export preview. */
  private previewSegments(tr: TranscriptHead): PreviewSegment[] {
    const speakers = new Map(tr.speakers.map((s, i) => [s.id, { label: s.label, ordinal: i }]));
    const out: PreviewSegment[] = [];
    for (let i = 0; i < 4; i++) {
      const seg = this.windows?.at(i);
      if (!seg) break;
      const sp = speakers.get(seg.speaker.id);
      out.push({
        label: sp?.label ?? '',
        speakerOrdinal: sp?.ordinal ?? 0,
        text: seg.text,
        language: seg.language,
      });
    }
    return out;
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
        @speaker-renaming=${(e: CustomEvent<{ id: string; label: string }>) =>
          this.wb?.expectRename(e.detail.id, e.detail.label)}
      ></kazru-speakers>
      <kazru-export-panel
        .jobId=${job.id}
        .preview=${this.previewSegments(tr)}
      ></kazru-export-panel>
      ${this.wb ? this.renderWorkbench(this.wb) : nothing}
      <h3 class="visually-hidden">${t('transcript')}</h3>
      <kazru-segment-list
        .windows=${this.windows}
        .speakers=${tr.speakers}
        .active=${this.active}
        .playhead=${this.playhead}
        .workbench=${this.wb}
        .tick=${this.tick}
        @segment-play=${(e: SegmentPlayEvent) => this.seek(e.detail)}
        @edit-typing=${() => this.onTyping()}
        @edit-closed=${(e: CustomEvent<{ saved: boolean }>) => this.onEditClosed(e.detail.saved)}
        @edit-refused=${() => (this.wbError = t('emptyText'))}
      ></kazru-segment-list>
    `;
  }

  private renderWorkbench(wb: Workbench) {
    const dismiss = (what: 'notice' | 'wbError' | 'lost') =>
      html`<button
        class="dismiss"
        aria-label=${t('dismiss')}
        @click=${() => {
          if (what === 'lost') wb.lostDraft = null;
          else this[what] = '';
          this.tick++;
        }}
      >
        ✕
      </button>`;
    return html`<kazru-workbench-bar .workbench=${wb} .tick=${this.tick}></kazru-workbench-bar> ${
        this.notice
          ? html`<p class="notice" role="status" data-testid="changed-notice">
              ${this.notice} ${dismiss('notice')}
            </p>`
          : nothing
      }
      ${
        this.wbError
          ? html`<p class="error" role="alert" data-testid="workbench-error">
              ${this.wbError} ${dismiss('wbError')}
            </p>`
          : nothing
      }
      ${
        wb.lostDraft !== null
          ? html`<p class="notice" role="alert">
              ${t('lostDraft', { text: wb.lostDraft })} ${dismiss('lost')}
            </p>`
          : nothing
      }`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kazru-transcript': TranscriptView;
  }
}

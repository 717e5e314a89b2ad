/**
 * `<kazru-transcript>`: one job's transcript with its audio. Segments show speaker (own colour),
 * start time, language and text; clicking a segment (or Enter/Space) plays from its start; the
 * segment being played is highlighted and kept in view. Speakers can be renamed inline, and the
 * transcript downloaded as TXT, SRT, VTT or JSON.
 */
import { css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import {
  ApiError,
  downloadExport,
  fetchJob,
  followJob,
  renameSpeaker,
  type JobWithTranscript,
  type Segment,
  type Speaker,
} from '../api.js';
import { formatClock } from '../format.js';
import { languageBadge, t } from '../i18n.js';
import { isTerminal } from './job-list.js';
import {
  announce,
  cssProps,
  errorText,
  progressBar,
  sharedStyles,
  LocalizedElement,
} from './shared.js';

/** Speaker colours, each with at least 4.5:1 contrast on white (WCAG AA for text). */
const SPEAKER_COLOURS = [
  '#1d4ed8',
  '#b91c1c',
  '#047857',
  '#7e22ce',
  '#a16207',
  '#0e7490',
  '#be185d',
  '#4d7c0f',
];

const EXPORT_FORMATS = ['txt', 'srt', 'vtt', 'json'] as const;

@customElement('kazru-transcript')
export class TranscriptView extends LocalizedElement {
  /** Id of the job to show. */
  @property() jobId = '';

  @state() private job: JobWithTranscript | null | undefined = undefined;
  @state() private loadError = '';
  @state() private active = -1;
  @state() private editing: string | null = null;
  @state() private draft = '';
  @state() private renameError = '';
  @state() private saving = false;
  @state() private downloadError = '';
  @state() private audioError = false;
  @state() private retrying = false;

  @query('audio') private audio?: HTMLAudioElement;
  @query('input.rename') private renameInput?: HTMLInputElement;

  private stopFollow?: () => void;
  /** Set when the rename field opens, so it gets focus once (not on every re-render). */
  private focusRename = false;
  private retryTimer?: number;

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
      .speakers {
        list-style: none;
        padding: 0;
        margin: 0 0 1rem;
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
      .speakers li {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 0.4rem 0.6rem;
        border: 1px solid #d6dce5;
        border-left: 6px solid var(--c);
        border-radius: 8px;
        padding: 0.4rem 0.6rem;
        max-width: 100%;
      }
      .speaker-name {
        color: var(--c);
        font-weight: 700;
        overflow-wrap: anywhere;
      }
      .stats {
        font-size: 0.85rem;
      }
      input.rename {
        padding: 0.35rem 0.5rem;
        border: 2px solid var(--c);
        border-radius: 6px;
        min-width: 0;
        width: 14rem;
        max-width: 100%;
      }
      .hint {
        font-size: 0.85rem;
        flex-basis: 100%;
      }
      .exports {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
        margin-bottom: 1rem;
      }
      ol {
        list-style: none;
        padding: 0;
        margin: 0;
        display: grid;
        gap: 0.5rem;
      }
      .seg {
        border: 1px solid #d6dce5;
        border-left: 6px solid var(--c);
        border-radius: 8px;
        padding: 0.5rem 0.75rem;
        cursor: pointer;
        background: #fff;
      }
      .seg:hover {
        background: #f8fafc;
      }
      .seg.active {
        background: #fff7d6;
        border-color: #d6a700;
        border-left-color: var(--c);
        box-shadow: 0 0 0 1px #d6a700;
      }
      .seg-head {
        display: flex;
        flex-wrap: wrap;
        gap: 0.25rem 0.75rem;
        align-items: baseline;
        font-size: 0.9rem;
      }
      .time {
        font-variant-numeric: tabular-nums;
        color: #374151;
      }
      .badge {
        font-size: 0.75rem;
        border: 1px solid #6b7280;
        color: #374151;
        border-radius: 4px;
        padding: 0 0.3rem;
      }
      .text {
        margin: 0.25rem 0 0;
        line-height: 1.5;
        overflow-wrap: anywhere;
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
      this.active = -1;
      this.audioError = false;
      void this.load();
    }
  }

  protected override updated(): void {
    if (this.focusRename && this.renameInput) {
      this.focusRename = false;
      this.renameInput.focus();
      this.renameInput.select();
    }
  }

  private async load() {
    window.clearTimeout(this.retryTimer);
    this.stopFollow?.();
    const id = this.jobId;
    try {
      const job = await fetchJob(id);
      if (id !== this.jobId) return;
      this.job = job;
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

  private colourOf(speakerId: string): string {
    const i = this.job?.transcript?.speakers.findIndex((s) => s.id === speakerId) ?? 0;
    return SPEAKER_COLOURS[Math.max(0, i) % SPEAKER_COLOURS.length];
  }

  private speaker(id: string): Speaker | undefined {
    return this.job?.transcript?.speakers.find((s) => s.id === id);
  }

  // ---- playback -------------------------------------------------------------------------

  private seek(seg: Segment) {
    const audio = this.audio;
    if (!audio) return;
    audio.currentTime = seg.start;
    this.active = seg.index;
    void audio.play().catch(() => {
      // Playback can be refused (no audio device, autoplay policy); the position is still set.
    });
  }

  private onSegmentKey(ev: KeyboardEvent, seg: Segment) {
    if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      this.seek(seg);
    }
  }

  /** Highlights the segment under the playing position; keeps it in view while playing. */
  private onTime() {
    const audio = this.audio;
    const segments = this.job?.transcript?.segments ?? [];
    if (!audio) return;
    const now = audio.currentTime;
    const seg = segments.find((s) => s.start <= now && now < s.end);
    const index = seg ? seg.index : -1;
    if (index === this.active) return;
    this.active = index;
    if (index >= 0 && !audio.paused) {
      void this.updateComplete.then(() => {
        const el = this.shadowRoot?.querySelector<HTMLElement>(`[data-index="${index}"]`);
        const reduce = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
        el?.scrollIntoView({ block: 'nearest', behavior: reduce ? 'auto' : 'smooth' });
      });
    }
  }

  // ---- renaming -------------------------------------------------------------------------

  private startRename(sp: Speaker) {
    this.editing = sp.id;
    this.focusRename = true;
    this.draft = sp.label;
    this.renameError = '';
  }

  private cancelRename() {
    const id = this.editing;
    this.editing = null;
    this.renameError = '';
    void this.updateComplete.then(() =>
      this.shadowRoot?.querySelector<HTMLElement>(`[data-rename="${id}"]`)?.focus(),
    );
  }

  private async saveRename() {
    const id = this.editing;
    const job = this.job;
    if (!id || !job?.transcript || this.saving) return;
    const label = this.draft.trim();
    if (!label) {
      this.renameError = t('emptyName');
      return;
    }
    const speaker = this.speaker(id);
    this.saving = true;
    try {
      const saved = await renameSpeaker(id, label, speaker?.version ?? 0);
      const transcript = job.transcript;
      this.job = {
        ...job,
        transcript: {
          ...transcript,
          speakers: transcript.speakers.map((s) => (s.id === id ? { ...s, ...saved } : s)),
        },
      };
      announce(this, t('renamed', { name: saved.label }));
      this.cancelRename();
    } catch (err) {
      this.renameError = errorText(err);
      // Someone else renamed it: show their name and version, so trying again can succeed.
      if (err instanceof ApiError && err.code === 'CONFLICT') await this.reloadSpeakers();
    } finally {
      this.saving = false;
    }
  }

  private async reloadSpeakers() {
    try {
      const fresh = await fetchJob(this.jobId);
      if (fresh?.transcript && this.job?.transcript) {
        this.job = {
          ...this.job,
          transcript: { ...this.job.transcript, speakers: fresh.transcript.speakers },
        };
      }
    } catch {
      // The error already shown is the one that matters.
    }
  }

  private onRenameKey(ev: KeyboardEvent) {
    if (ev.key === 'Enter') {
      ev.preventDefault();
      void this.saveRename();
    } else if (ev.key === 'Escape') {
      ev.preventDefault();
      this.cancelRename();
    }
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

  private renderTranscript(
    job: JobWithTranscript,
    tr: NonNullable<JobWithTranscript['transcript']>,
  ) {
    return html`
      <audio
        controls
        preload="metadata"
        aria-label=${t('audioLabel')}
        src=${job.audioUrl ?? nothing}
        @timeupdate=${() => this.onTime()}
        @seeked=${() => this.onTime()}
        @pause=${() => this.onTime()}
        @error=${() => (this.audioError = true)}
        @loadedmetadata=${() => (this.audioError = false)}
      ></audio>
      ${this.audioError ? html`<p class="muted" role="status">${t('audioUnavailable')}</p>` : nothing}
      <h3 class="visually-hidden">${t('speakers')}</h3>
      <ul class="speakers" aria-label=${t('speakers')}>
        ${tr.speakers.map((sp) => this.renderSpeaker(sp))}
      </ul>
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
      ${tr.segments.length === 0 ? html`<p class="muted">${t('noSegments')}</p>` : nothing}
      <ol>
        ${tr.segments.map((seg) => this.renderSegment(seg))}
      </ol>
    `;
  }

  private renderSpeaker(sp: Speaker) {
    const colour = this.colourOf(sp.id);
    if (this.editing === sp.id) {
      return html`<li style=${cssProps({ '--c': colour })}>
        <input
          class="rename"
          .value=${this.draft}
          maxlength="100"
          aria-label=${t('renameLabel', { name: sp.label })}
          aria-describedby="rename-hint"
          aria-invalid=${this.renameError ? 'true' : 'false'}
          ?disabled=${this.saving}
          @input=${(e: Event) => (this.draft = (e.target as HTMLInputElement).value)}
          @keydown=${(e: KeyboardEvent) => this.onRenameKey(e)}
        />
        <button class="primary" ?disabled=${this.saving} @click=${() => void this.saveRename()}>
          ${t('save')}
        </button>
        <button @click=${() => this.cancelRename()}>${t('cancelEdit')}</button>
        <span id="rename-hint" class="hint muted">${t('renameHint')}</span>
        ${
          this.renameError
            ? html`<span class="hint error" role="alert">${this.renameError}</span>`
            : nothing
        }
      </li>`;
    }
    return html`<li style=${cssProps({ '--c': colour })} data-speaker=${sp.id}>
      <span class="speaker-name">${sp.label}</span>
      <span class="stats muted"
        >${t('speakerStats', { count: sp.segmentCount, time: formatClock(sp.speakingSeconds) })}</span
      >
      <button
        data-rename=${sp.id}
        aria-label="${t('rename')}: ${sp.label}"
        @click=${() => this.startRename(sp)}
      >
        ✎ ${t('rename')}
      </button>
    </li>`;
  }

  private renderSegment(seg: Segment) {
    const sp = this.speaker(seg.speaker.id);
    const name = sp?.label ?? '';
    const time = formatClock(seg.start);
    const badge = languageBadge(seg.language);
    const active = seg.index === this.active;
    return html`<li>
      <div
        class="seg ${active ? 'active' : ''}"
        style=${cssProps({ '--c': this.colourOf(seg.speaker.id) })}
        role="button"
        tabindex="0"
        data-index=${seg.index}
        data-start=${seg.start}
        data-end=${seg.end}
        aria-current=${active ? 'true' : 'false'}
        title=${t('seekTo', { time, speaker: name })}
        @click=${() => this.seek(seg)}
        @keydown=${(e: KeyboardEvent) => this.onSegmentKey(e, seg)}
      >
        <div class="seg-head">
          <span class="speaker-name">${name}</span>
          <span class="time">${time}</span>
          ${badge ? html`<span class="badge" title=${badge.title}>${badge.text}</span>` : nothing}
        </div>
        <p class="text" lang=${seg.language?.slice(0, 2) ?? ''}>${seg.text}</p>
      </div>
    </li>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kazru-transcript': TranscriptView;
  }
}

/**
 * `<kazru-speakers>`: the speakers of a transcript, each in its own colour with how much they
 * said, renamed inline (Enter saves, Escape cancels). A saved name is announced and sent up as a
 * `speakers-changed` event (detail: the new `Speaker[]`), so every row showing it updates.
 */
import { css, html, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { ApiError, fetchSpeakers, renameSpeaker, type Speaker } from '../api.js';
import { formatClock } from '../format.js';
import { t } from '../i18n.js';
import { announce, cssProps, errorText, sharedStyles, LocalizedElement } from './shared.js';

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

/** The colour (CSS hex) of a speaker: by its place among the transcript's speakers. */
export function speakerColour(speakers: Speaker[], speakerId: string): string {
  const i = speakers.findIndex((s) => s.id === speakerId);
  return SPEAKER_COLOURS[Math.max(0, i) % SPEAKER_COLOURS.length];
}

/** A speaker's name in its colour (`--c`), wherever it is shown. */
export const speakerNameStyles = css`
  .speaker-name {
    color: var(--c);
    font-weight: 700;
    overflow-wrap: anywhere;
  }
`;

/** Detail of the `speakers-changed` event: every speaker, with the new name(s). */
export type SpeakersChangedEvent = CustomEvent<Speaker[]>;

@customElement('kazru-speakers')
export class SpeakerList extends LocalizedElement {
  /** Job whose speakers these are (to re-read them after a conflicting rename). */
  @property() jobId = '';
  /** The speakers, in order of first appearance. */
  @property({ attribute: false }) speakers: Speaker[] = [];

  @state() private editing: string | null = null;
  @state() private draft = '';
  @state() private renameError = '';
  @state() private saving = false;

  @query('input.rename') private renameInput?: HTMLInputElement;

  /** Set when the rename field opens, so it gets focus once (not on every re-render). */
  private focusRename = false;

  static override styles = [
    sharedStyles,
    speakerNameStyles,
    css`
      ul {
        list-style: none;
        padding: 0;
        margin: 0 0 1rem;
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
      li {
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
    `,
  ];

  protected override updated(): void {
    if (this.focusRename && this.renameInput) {
      this.focusRename = false;
      this.renameInput.focus();
      this.renameInput.select();
    }
  }

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

  private changed(speakers: Speaker[]) {
    this.speakers = speakers;
    this.dispatchEvent(
      new CustomEvent('speakers-changed', { detail: speakers, bubbles: true, composed: true }),
    );
  }

  private async saveRename() {
    const id = this.editing;
    if (!id || this.saving) return;
    const label = this.draft.trim();
    if (!label) {
      this.renameError = t('emptyName');
      return;
    }
    const speaker = this.speakers.find((s) => s.id === id);
    this.saving = true;
    // Told first: the rename's revision may arrive live before the answer does.
    this.dispatchEvent(
      new CustomEvent('speaker-renaming', { detail: { id, label }, bubbles: true, composed: true }),
    );
    try {
      const saved = await renameSpeaker(id, label, speaker?.version ?? 0);
      this.changed(this.speakers.map((s) => (s.id === id ? { ...s, ...saved } : s)));
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
      const fresh = await fetchSpeakers(this.jobId);
      if (fresh.length) this.changed(fresh);
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

  override render() {
    return html`<h3 class="visually-hidden">${t('speakers')}</h3>
      <ul class="speakers" aria-label=${t('speakers')}>
        ${this.speakers.map((sp) => (this.editing === sp.id ? this.renderEditor(sp) : this.renderSpeaker(sp)))}
      </ul>`;
  }

  private renderEditor(sp: Speaker) {
    return html`<li style=${cssProps({ '--c': speakerColour(this.speakers, sp.id) })}>
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

  private renderSpeaker(sp: Speaker) {
    return html`<li
      style=${cssProps({ '--c': speakerColour(this.speakers, sp.id) })}
      data-speaker=${sp.id}
    >
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
}

declare global {
  interface HTMLElementTagNameMap {
    'kazru-speakers': SpeakerList;
  }
  interface HTMLElementEventMap {
    'speakers-changed': SpeakersChangedEvent;
  }
}

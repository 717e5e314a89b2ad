/**
 * One segment of `<kazru-segment-list>` as a card: a play button with its start time, the
 * speaker's name, language and "edited" badges, the workbench tools (speaker menu, "split here"
 * on the segment under the playback position, "merge with next", delete) and the text, which a
 * click or Enter turns into an editor (Enter saves, Shift+Enter a new line, Escape cancels).
 * When someone else changed the segment under an open draft, the card offers the conflict:
 * their text, "keep mine" and "take theirs". Plain template functions: the list owns the state.
 */
import { html, nothing } from 'lit';
import type { Segment, Speaker } from '../api.js';
import { formatClock } from '../format.js';
import { languageBadge, t } from '../i18n.js';
import type { SegmentDraft } from '../workbench.js';
import { cssProps } from './shared.js';
import { speakerColour } from './speaker-list.js';

/** What a card needs from its list: state to show and what to do on each control. */
export interface RowContext {
  speakers: Speaker[];
  /** Position of the segment being played, or -1. */
  active: number;
  /** Playback position in seconds. */
  playhead: number;
  /** The open editor (any segment), or null. */
  draft: SegmentDraft | null;
  /** Whether the tools are offered (a transcript with a workbench, nothing on its way). */
  editable: boolean;
  busy: boolean;
  /** The segment after this one, when loaded (for "merge with next"). */
  next(seg: Segment): Segment | undefined;
  play(seg: Segment): void;
  edit(seg: Segment): void;
  textKey(ev: KeyboardEvent, seg: Segment): void;
  navKey(ev: KeyboardEvent, seg: Segment, control: string): void;
  type(text: string): void;
  editorKey(ev: KeyboardEvent): void;
  save(): void;
  cancel(): void;
  takeTheirs(): void;
  reassign(seg: Segment, speakerId: string): void;
  split(seg: Segment): void;
  merge(seg: Segment, next: Segment): void;
  remove(seg: Segment): void;
}

/** The card of one segment. */
export function renderSegment(seg: Segment, c: RowContext) {
  const sp = c.speakers.find((s) => s.id === seg.speaker.id);
  const name = sp?.label ?? '';
  const time = formatClock(seg.start);
  const badge = languageBadge(seg.language);
  const active = seg.index === c.active;
  const draft = c.draft?.id === seg.id ? c.draft : null;
  return html`<div
    class="seg ${active ? 'active' : ''} ${draft ? 'editing' : ''}"
    style=${cssProps({ '--c': speakerColour(c.speakers, seg.speaker.id) })}
    data-index=${seg.index}
    data-id=${seg.id}
    data-start=${seg.start}
    data-end=${seg.end}
    aria-current=${active ? 'true' : 'false'}
  >
    <div class="seg-head">
      <button
        class="play"
        aria-label=${t('seekTo', { time, speaker: name })}
        title=${t('seekTo', { time, speaker: name })}
        @click=${() => c.play(seg)}
        @keydown=${(e: KeyboardEvent) => c.navKey(e, seg, 'play')}
      >
        <span aria-hidden="true">▶</span> <span class="time">${time}</span>
      </button>
      <span class="speaker-name">${name}</span>
      ${badge ? html`<span class="badge" title=${badge.title}>${badge.text}</span>` : nothing}
      ${seg.edited ? html`<span class="badge edited" title=${t('editedTitle')}>${t('edited')}</span>` : nothing}
      ${c.editable ? renderTools(seg, c, time) : nothing}
    </div>
    ${draft ? renderEditor(seg, draft, c, time) : renderText(seg, c, time)}
  </div>`;
}

function renderText(seg: Segment, c: RowContext, time: string) {
  return html`<p
    class="text"
    lang=${seg.language?.slice(0, 2) ?? ''}
    role=${c.editable ? 'button' : nothing}
    tabindex=${c.editable ? '0' : nothing}
    aria-description=${c.editable ? t('editText', { time }) : nothing}
    title=${c.editable ? t('editText', { time }) : nothing}
    @click=${() => c.editable && c.edit(seg)}
    @keydown=${(e: KeyboardEvent) => c.textKey(e, seg)}
    .textContent=${seg.text}
  ></p>`;
}

function renderTools(seg: Segment, c: RowContext, time: string) {
  const next = c.next(seg);
  const inside = c.playhead > seg.start + 0.05 && c.playhead < seg.end - 0.05;
  return html`<span class="tools">
    <select
      class="speaker-menu"
      aria-label=${t('speakerOf', { time })}
      ?disabled=${c.busy}
      @change=${(e: Event) => c.reassign(seg, (e.target as HTMLSelectElement).value)}
    >
      ${c.speakers.map(
        (s) => html`<option value=${s.id} ?selected=${s.id === seg.speaker.id}>${s.label}</option>`,
      )}
    </select>
    ${
      inside
        ? html`<button
            class="split"
            ?disabled=${c.busy}
            aria-label=${t('splitAt', { time: formatClock(c.playhead) })}
            @click=${() => c.split(seg)}
          >
            ✂ ${t('splitHere')}
          </button>`
        : nothing
    }
    ${
      next
        ? html`<button
            class="merge"
            ?disabled=${c.busy}
            aria-label=${t('mergeNextLabel', { time })}
            @click=${() => c.merge(seg, next)}
          >
            ⤓ ${t('mergeNext')}
          </button>`
        : nothing
    }
    <button
      class="remove danger"
      ?disabled=${c.busy}
      aria-label=${t('deleteSegmentLabel', { time })}
      @click=${() => c.remove(seg)}
    >
      ✕ ${t('delete')}
    </button>
  </span>`;
}

function renderEditor(seg: Segment, d: SegmentDraft, c: RowContext, time: string) {
  const rows = Math.min(12, Math.max(2, Math.ceil(d.text.length / 70) + 1));
  return html`<div class="editor">
    <textarea
      class="edit"
      rows=${rows}
      lang=${seg.language?.slice(0, 2) ?? ''}
      aria-label=${t('editLabel', { time })}
      aria-describedby="edit-hint-${seg.id}"
      .value=${d.text}
      ?disabled=${c.busy}
      @input=${(e: Event) => c.type((e.target as HTMLTextAreaElement).value)}
      @keydown=${(e: KeyboardEvent) => c.editorKey(e)}
    ></textarea>
    <div class="editor-actions">
      <button class="primary save" ?disabled=${c.busy} @click=${() => c.save()}>
        ${d.conflict ? t('keepMine') : t('save')}
      </button>
      <button class="cancel-edit" @click=${() => (d.conflict ? c.takeTheirs() : c.cancel())}>
        ${d.conflict ? t('takeTheirs') : t('cancelEdit')}
      </button>
      <span id="edit-hint-${seg.id}" class="muted hint">${t('editHint')}</span>
    </div>
    ${
      d.conflict
        ? html`<div class="conflict" role="alert">
            <p>${t('conflictTitle')}</p>
            <blockquote class="theirs">${d.conflict.text}</blockquote>
          </div>`
        : nothing
    }
  </div>`;
}
